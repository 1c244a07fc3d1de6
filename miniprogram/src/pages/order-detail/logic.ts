// One order as the server has it, with "去支付" and "取消订单" while it is
// pending and before it expires; how it is delivered (address, shipment:
// method, couriers and tracking numbers, whether WeChat has it), and once
// shipped "确认收货", which opens WeChat's confirm-receipt page
// (utils/receipt.ts). When the buyer comes back from it, App.onShow asks the
// server (POST /v1/orders/{id}/receipt) and this page, shown next, takes that
// answer (show → claimReceipt) instead of reading the order again: the
// server's order is shown, with a message when WeChat's page said fail or
// cancel.
//
// 申请退款 (售后, utils/refund-request.ts): a paid, shipped or received order with money left
// and no open request offers it: an amount in yuan (what is left by default) and a reason.
// 提交申请 asks for the refunded and refund_request subscribe messages in the tap's own turn
// (utils/subscribe.ts; any answer goes on), then creates the request. The page lists the
// order's requests with their status in words (待审核 / 退款中 / 已退款 / 已拒绝 with the
// operator's note / 已撤回) and 撤回 while one is requested.
import type { Client, Order, RefundApplication, WxLike } from '../../api/index';
import { errorCode, messageForCode, showError } from '../../utils/errors';
import { OrderView, orderView } from '../../utils/format';
import { formatFen } from '../../utils/money';
import { ReceiptReturn, ReceiptState, claimReceipt, openConfirmReceipt } from '../../utils/receipt';
import { PageWx, View, confirmModal, pageUrl } from '../../utils/wx';
import { showLoading, hideLoading, toast, navigate } from '../../utils/ui';
import {
  REFUND_REASON_MAX,
  RefundRequestView,
  canRequestRefund,
  charCountOf,
  fenToYuanInput,
  refundRequestView,
  refundableFen,
  yuanToFen,
} from '../../utils/refund-request';
import type { Subscriptions } from '../../utils/subscribe';

export interface OrderDetailData {
  orderId: string;
  order: OrderView | null;
  loading: boolean;
  loadError: string;
  /** A cancel, or the opening of 确认收货, is in flight: the buttons are disabled. */
  busy: boolean;
  /** The order's refund requests, newest first. */
  refundRequests: RefundRequestView[];
  /** 申请退款 shows (see the top of this file). */
  canRequestRefund: boolean;
  /** What is left to refund ("¥25.60"). */
  refundLeftText: string;
  /** The refund form: open, the amount as typed (yuan), the reason. */
  refundForm: { open: boolean; amount: string; reason: string };
  /** A refund request or a withdraw is in flight. */
  refundBusy: boolean;
}

/** The wx this page needs: the UI, and storage for the order whose 确认收货 is open. */
export type OrderDetailWx = PageWx & Pick<WxLike, 'getStorageSync' | 'setStorageSync' | 'removeStorageSync'>;

export function initialOrderDetailData(): OrderDetailData {
  return {
    orderId: '',
    order: null,
    loading: false,
    loadError: '',
    busy: false,
    refundRequests: [],
    canRequestRefund: false,
    refundLeftText: '',
    refundForm: { open: false, amount: '', reason: '' },
    refundBusy: false,
  };
}

export class OrderDetailController {
  /** The server's order and its refund requests, as last read. */
  private current?: Order;
  private requests: RefundApplication[] = [];

  constructor(
    private readonly view: View<OrderDetailData>,
    private readonly client: Client,
    private readonly wx: OrderDetailWx,
    /** The app's globalData (utils/receipt.ts): which 确认收货 is open, and the answer after it. */
    private readonly receipts: ReceiptState = {},
    /** Subscribe messages asked from 提交申请 (none: not asked). */
    private readonly subscriptions?: Subscriptions,
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
      this.setOrder(order);
      await this.loadRequests();
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
    if (outcome.order) {
      this.setOrder(outcome.order);
      this.view.setData({ loading: false });
    }
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
      this.setOrder(cancelled);
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

  // ---- 申请退款 (售后) ----------------------------------------------------------------------

  /** 申请退款: the form, with what is left as the amount. */
  openRefundForm(): void {
    if (!this.current || !this.view.data.canRequestRefund) return;
    this.view.setData({ refundForm: { open: true, amount: fenToYuanInput(refundableFen(this.current)), reason: '' } });
  }

  closeRefundForm(): void {
    this.view.setData({ refundForm: { ...this.view.data.refundForm, open: false } });
  }

  /** The form's inputs (bindinput): e.detail.value. */
  setRefundAmount(amount: string): void {
    this.view.setData({ refundForm: { ...this.view.data.refundForm, amount } });
  }

  setRefundReason(reason: string): void {
    this.view.setData({ refundForm: { ...this.view.data.refundForm, reason } });
  }

  /**
   * 提交申请: checked here first; then the subscribe messages are asked in the tap's own turn
   * (refunded, refund_request), and whatever the answer the request is created.
   */
  async submitRefund(): Promise<void> {
    const order = this.current;
    if (!order || this.view.data.refundBusy || !this.view.data.canRequestRefund) return;
    const { amount, reason } = this.view.data.refundForm;
    const fen = yuanToFen(amount);
    const left = refundableFen(order);
    if (fen === undefined || fen <= 0) {
      showError(this.wx, { code: 'refund_amount_invalid' });
      return;
    }
    if (fen > left) {
      showError(this.wx, { code: 'refund_too_large' });
      return;
    }
    const why = reason.trim();
    if (why === '' || charCountOf(why) > REFUND_REASON_MAX) {
      showError(this.wx, { code: 'refund_reason_missing' });
      return;
    }
    // Subscribe messages: asked now, in the tap's own turn, before anything is awaited.
    const asked = this.subscriptions?.ask(['refunded', 'refund_request']);
    this.view.setData({ refundBusy: true });
    if (asked) await asked; // any answer, or none, goes on
    showLoading(this.wx, '正在提交');
    try {
      const created = await this.client.request('/v1/orders/{orderId}/refund-requests', 'post', {
        params: { path: { orderId: order.id } },
        body: { amount_fen: fen, reason: why },
      });
      hideLoading(this.wx);
      this.setRequests([...this.requests.filter((r) => r.id !== created.id), created]);
      this.view.setData({ refundForm: { open: false, amount: '', reason: '' } });
      toast(this.wx, '已提交退款申请', 'success');
    } catch (err) {
      hideLoading(this.wx);
      const code = showError(this.wx, err);
      // Another request is open, or the order changed (refunded meanwhile, no longer refundable).
      if (code === 'request_not_open') await this.loadRequests();
      else if (code === 'refund_too_large' || code === 'not_refundable') await this.load(order.id);
    } finally {
      this.view.setData({ refundBusy: false });
    }
  }

  /** 撤回, after the user confirms: only while requested. */
  async withdrawRefund(requestId: string): Promise<void> {
    const request = this.requests.find((r) => r.id === requestId);
    if (!request || request.status !== 'requested' || this.view.data.refundBusy) return;
    if (!(await confirmModal(this.wx, '撤回退款申请', '撤回后可以重新申请。确定撤回吗？', '撤回'))) return;
    this.view.setData({ refundBusy: true });
    showLoading(this.wx, '正在撤回');
    try {
      const withdrawn = await this.client.request('/v1/refund-requests/{requestId}/withdraw', 'post', { params: { path: { requestId } } });
      hideLoading(this.wx);
      this.setRequests(this.requests.map((r) => (r.id === withdrawn.id ? withdrawn : r)));
      toast(this.wx, '已撤回退款申请', 'none');
    } catch (err) {
      hideLoading(this.wx);
      showError(this.wx, err);
      // Decided meanwhile (approved or rejected): show it as the server has it.
      if (errorCode(err) === 'request_not_open') await this.loadRequests();
    } finally {
      this.view.setData({ refundBusy: false });
    }
  }

  /** The order's refund requests; a failure leaves the list as it was (the order still shows). */
  private async loadRequests(): Promise<void> {
    const order = this.current;
    if (!order || order.status === 'pending' || order.status === 'closing' || order.status === 'cancelled' || order.status === 'expired') {
      this.setRequests([]);
      return;
    }
    try {
      const list = await this.client.request('/v1/orders/{orderId}/refund-requests', 'get', { params: { path: { orderId: order.id } } });
      this.setRequests(list.items);
    } catch {
      this.setRequests(this.requests);
    }
  }

  private setOrder(order: Order): void {
    this.current = order;
    this.view.setData({ order: orderView(order) });
    this.setRequests(this.requests.filter((r) => r.order_id === order.id));
  }

  private setRequests(requests: RefundApplication[]): void {
    this.requests = requests;
    const order = this.current;
    const can = !!order && canRequestRefund(order, requests);
    this.view.setData({
      refundRequests: [...requests].reverse().map(refundRequestView),
      canRequestRefund: can,
      refundLeftText: order ? formatFen(refundableFen(order)) : '',
      ...(can ? {} : { refundForm: { open: false, amount: '', reason: '' } }),
    });
  }
}
