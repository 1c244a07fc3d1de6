// One order as the server has it, with "去支付" and "取消订单" while it is
// pending and before it expires; how it is delivered (address, shipment:
// method, couriers and tracking numbers, whether WeChat has it), and once
// shipped "确认收货", which opens WeChat's confirm-receipt page
// (utils/receipt.ts). When the buyer comes back from it, App.onShow asks the
// server (POST /v1/orders/{id}/receipt) and this page, shown next, takes that
// answer (show → claimReceipt) instead of reading the order again: the
// server's order is shown, with a message when WeChat's page said fail or
// cancel.
import type { Client, WxLike } from '../../api/index';
import { errorCode, messageForCode, showError } from '../../utils/errors';
import { OrderView, orderView } from '../../utils/format';
import { ReceiptReturn, ReceiptState, claimReceipt, openConfirmReceipt } from '../../utils/receipt';
import { PageWx, View, confirmModal, pageUrl } from '../../utils/wx';
import { showLoading, hideLoading, toast, navigate } from '../../utils/ui';

export interface OrderDetailData {
  orderId: string;
  order: OrderView | null;
  loading: boolean;
  loadError: string;
  /** A cancel, or the opening of 确认收货, is in flight: the buttons are disabled. */
  busy: boolean;
}

/** The wx this page needs: the UI, and storage for the order whose 确认收货 is open. */
export type OrderDetailWx = PageWx & Pick<WxLike, 'getStorageSync' | 'setStorageSync' | 'removeStorageSync'>;

export function initialOrderDetailData(): OrderDetailData {
  return { orderId: '', order: null, loading: false, loadError: '', busy: false };
}

export class OrderDetailController {
  constructor(
    private readonly view: View<OrderDetailData>,
    private readonly client: Client,
    private readonly wx: OrderDetailWx,
    /** The app's globalData (utils/receipt.ts): which 确认收货 is open, and the answer after it. */
    private readonly receipts: ReceiptState = {},
  ) {}

  /**
   * The page is shown: with the buyer back from 确认收货 for this order, the server's answer
   * to that (see the top of this file); otherwise the order as the server has it now.
   */
  async show(orderId: string): Promise<void> {
    const ret = claimReceipt(this.receipts, orderId);
    if (ret) await this.showReceipt(ret);
    else await this.load(orderId);
  }

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

  /**
   * "确认收货" (the shipment-card's `confirm`): WeChat's confirm-receipt page, for a shipped
   * order WeChat knows of. Nothing changes here: the answer comes back through App.onShow.
   */
  async confirmReceipt(): Promise<void> {
    const order = this.view.data.order;
    if (!order || !order.confirmable || this.view.data.busy) return;
    this.view.setData({ busy: true });
    let result;
    try {
      result = await openConfirmReceipt(this.wx, this.receipts, { id: order.id, transactionId: order.transactionId });
    } finally {
      this.view.setData({ busy: false });
    }
    if (result === 'unsupported') showError(this.wx, { code: 'receipt_unsupported' });
    else if (result === 'failed') showError(this.wx, { code: 'receipt_unavailable' });
    // Already back (DevTools' stand-in comes back at once, utils/devtools.ts): show it now.
    const ret = claimReceipt(this.receipts, order.id);
    if (ret) await this.showReceipt(ret);
  }

  /** The server's answer after 确认收货: its order, or (without an answer) the order read again. */
  private async showReceipt(ret: ReceiptReturn): Promise<void> {
    this.view.setData({ orderId: ret.orderId, loading: true, loadError: '' });
    showLoading(this.wx, '正在确认收货');
    const outcome = await ret.outcome;
    hideLoading(this.wx);
    if (outcome.order) this.view.setData({ order: orderView(outcome.order), loading: false });
    else await this.load(ret.orderId);
    if (outcome.message) toast(this.wx, outcome.message, 'none', 2500);
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
