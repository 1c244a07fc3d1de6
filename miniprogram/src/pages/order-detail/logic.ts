// One order as the server has it, with "去支付" and "取消订单" while it is
// pending and before it expires.
import type { Client } from '../../api/index';
import { errorCode, messageForCode, showError } from '../../utils/errors';
import { OrderView, orderView } from '../../utils/format';
import { PageWx, View, confirmModal, pageUrl } from '../../utils/wx';
import { showLoading, hideLoading, toast, navigate } from '../../utils/ui';

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
    private readonly client: Client,
    private readonly wx: PageWx,
  ) {}

  /** Opened without an order id (a bad link): an error with a way back, not a blank page. */
  missing(): void {
    this.view.setData({ orderId: '', loading: false, loadError: '没有指定订单' });
  }

  async load(orderId: string): Promise<void> {
    this.view.setData({ orderId, loading: true, loadError: '' });
    showLoading(this.wx, '加载中');
    try {
      const order = await this.client.request('/v1/orders/{orderId}', 'get', { params: { path: { orderId: orderId } } });
      this.view.setData({ order: orderView(order) });
    } catch (err) {
      this.view.setData({ loadError: messageForCode(showError(this.wx, err)) });
    } finally {
      hideLoading(this.wx);
      this.view.setData({ loading: false });
    }
  }

  /** "去支付": the pay page asks the server for fresh payment arguments. */
  pay(): void {
    const order = this.view.data.order;
    if (!order || !order.payable) return;
    navigate(this.wx, pageUrl('/pages/pay/index', { orderId: order.id }));
  }

  /** "取消订单": POST /v1/orders/{id}/cancel after the user confirms. */
  async cancel(): Promise<void> {
    const order = this.view.data.order;
    if (!order || order.status !== 'pending' || this.view.data.busy) return;
    if (!(await confirmModal(this.wx, '取消订单', '确定取消这个订单吗？'))) return;
    this.view.setData({ busy: true });
    showLoading(this.wx, '正在取消');
    try {
      const cancelled = await this.client.request('/v1/orders/{orderId}/cancel', 'post', { params: { path: { orderId: order.id } } });
      hideLoading(this.wx);
      this.view.setData({ order: orderView(cancelled) });
      toast(this.wx, cancelled.status === 'cancelled' ? '订单已取消' : '订单状态已更新', 'none');
    } catch (err) {
      hideLoading(this.wx);
      showError(this.wx, err);
      // Paid meanwhile (order_not_cancellable): show the server's view of it.
      if (errorCode(err) === 'order_not_cancellable') await this.load(order.id);
    } finally {
      this.view.setData({ busy: false });
    }
  }
}
