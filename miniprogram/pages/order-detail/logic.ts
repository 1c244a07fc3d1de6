// One order as the server has it, with "去支付" and "取消订单" while it is
// pending and before it expires.
import type { Client } from '../../api/client';
import { errorCode, messageForCode, showError } from '../../utils/errors';
import { OrderView, orderView } from '../../utils/format';
import { PageWx, View, confirmModal, pageUrl } from '../../utils/wx';

export interface OrderDetailData {
  orderId: string;
  order: OrderView | null;
  loading: boolean;
  loadError: string;
  /** A cancel is in flight: the buttons are disabled. */
  busy: boolean;
}

export function initialOrderDetailData(): OrderDetailData {
  return { orderId: '', order: null, loading: false, loadError: '', busy: false };
}

export class OrderDetailController {
  constructor(
    private readonly view: View<OrderDetailData>,
    private readonly client: Pick<Client, 'getOrder' | 'cancelOrder'>,
    private readonly wx: PageWx,
  ) {}

  async load(orderId: string): Promise<void> {
    this.view.setData({ orderId, loading: true, loadError: '' });
    this.wx.showLoading({ title: '加载中' });
    try {
      const order = await this.client.getOrder(orderId);
      this.view.setData({ order: orderView(order) });
    } catch (err) {
      this.view.setData({ loadError: messageForCode(showError(this.wx, err)) });
    } finally {
      this.wx.hideLoading();
      this.view.setData({ loading: false });
    }
  }

  /** "去支付": the pay page asks the server for fresh payment arguments. */
  pay(): void {
    const order = this.view.data.order;
    if (!order || !order.payable) return;
    this.wx.navigateTo({ url: pageUrl('/pages/pay/index', { orderId: order.id }) });
  }

  /** "取消订单": POST /v1/orders/{id}/cancel after the user confirms. */
  async cancel(): Promise<void> {
    const order = this.view.data.order;
    if (!order || order.status !== 'pending' || this.view.data.busy) return;
    if (!(await confirmModal(this.wx, '取消订单', '确定取消这个订单吗？'))) return;
    this.view.setData({ busy: true });
    this.wx.showLoading({ title: '正在取消', mask: true });
    try {
      const cancelled = await this.client.cancelOrder(order.id);
      this.wx.hideLoading();
      this.view.setData({ order: orderView(cancelled) });
      this.wx.showToast({ title: cancelled.status === 'cancelled' ? '订单已取消' : '订单状态已更新', icon: 'none' });
    } catch (err) {
      this.wx.hideLoading();
      showError(this.wx, err);
      // Paid meanwhile (order_not_cancellable): show the server's view of it.
      if (errorCode(err) === 'order_not_cancellable') await this.load(order.id);
    } finally {
      this.view.setData({ busy: false });
    }
  }
}
