// Payment: hand the server's signed arguments to wx.requestPayment, then ask
// the server until it says the order is paid.
//
// The client never decides that an order is paid. wx.requestPayment's
// success only means the sheet closed after WeChat took the payment; the
// order becomes `paid` on the server when WeChat Pay's verified notification
// arrives (or a verified query), so after success this polls
// GET /v1/orders/{id} (every second, 15 times at most) and shows whatever
// status the server reports. A cancelled or failed payment shows a toast and
// leaves the order as it is (pending), with "重新支付" (fresh arguments from
// POST /v1/orders/{id}/pay) and "取消订单" (POST /v1/orders/{id}/cancel).
import type { Checkout, Client, Order, OrderStatus, PaymentParams } from '../../api/client';
import { errorCode, messageForCode, showError } from '../../utils/errors';
import { OrderView, orderView, statusText } from '../../utils/format';
import { takeCheckout } from '../../utils/handoff';
import { PageWx, View, confirmModal, requestPayment, sleep as realSleep } from '../../utils/wx';

/**
 * Where the page is. None of these says "paid" on its own: `status` (from
 * the server's Order) does.
 * - loading: fetching the order or payment arguments
 * - paying: the WeChat Pay sheet is open
 * - confirming: the sheet reported success; polling the server
 * - done: the server's status is final (paid, cancelled or expired)
 * - failed: cancelled, failed, or arguments unavailable; the order is still pending
 * - unconfirmed: the server had not confirmed payment when polling stopped
 */
export type PayPhase = 'loading' | 'paying' | 'confirming' | 'done' | 'failed' | 'unconfirmed';

export interface PayData {
  orderId: string;
  order: OrderView | null;
  /** The server's status of the order; '' until known. */
  status: OrderStatus | '';
  statusText: string;
  phase: PayPhase;
  /** Why the page is in `failed` or `unconfirmed`, for the user. */
  message: string;
}

export function initialPayData(): PayData {
  return { orderId: '', order: null, status: '', statusText: '', phase: 'loading', message: '' };
}

export interface PayOptions {
  /** How long to wait between polls (ms). */
  pollIntervalMs?: number;
  /** How many times to ask the server after a successful payment. */
  maxPolls?: number;
  sleep?: (ms: number) => Promise<void>;
}

export class PayController {
  private params?: PaymentParams;
  private disposed = false;
  private busy = false;
  private readonly pollIntervalMs: number;
  private readonly maxPolls: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly view: View<PayData>,
    private readonly client: Pick<Client, 'getOrder' | 'payOrder' | 'cancelOrder'>,
    private readonly wx: PageWx,
    options: PayOptions = {},
  ) {
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.maxPolls = options.maxPolls ?? 15;
    this.sleep = options.sleep ?? realSleep;
  }

  /**
   * Opens the payment for orderId: with the checkout the confirmation page
   * just received, or else with fresh arguments from POST /pay.
   */
  async start(orderId: string): Promise<void> {
    this.view.setData({ orderId, phase: 'loading' });
    const checkout = takeCheckout(orderId);
    if (checkout) {
      this.show(checkout.order);
      this.params = checkout.payment;
    }
    if (!this.params && !(await this.fetchParams())) return;
    await this.pay();
  }

  /** "重新支付": fresh arguments from the server, then the payment sheet again. */
  async retry(): Promise<void> {
    if (this.busy) return;
    if (await this.fetchParams()) await this.pay();
  }

  /** "刷新支付结果": after `unconfirmed`, ask the server again. */
  async recheck(): Promise<void> {
    if (this.busy) return;
    await this.confirm();
  }

  /** "取消订单": closes the transaction at WeChat Pay, then cancels (server side). */
  async cancel(): Promise<void> {
    if (this.busy) return;
    if (!(await confirmModal(this.wx, '取消订单', '确定取消这个订单吗？'))) return;
    this.busy = true;
    this.wx.showLoading({ title: '正在取消', mask: true });
    try {
      const order = await this.client.cancelOrder(this.view.data.orderId);
      this.wx.hideLoading();
      this.show(order);
      this.settle(order.status);
    } catch (err) {
      this.wx.hideLoading();
      showError(this.wx, err);
      // order_not_cancellable: it was paid meanwhile; show what the server says.
      if (errorCode(err) === 'order_not_cancellable') await this.refresh();
    } finally {
      this.busy = false;
    }
  }

  /** Stops polling when the page unloads. */
  dispose(): void {
    this.disposed = true;
  }

  /** The payment sheet, with exactly the server's five arguments. */
  private async pay(): Promise<void> {
    const params = this.params;
    if (!params) return;
    // Arguments are used once; a retry asks the server for fresh ones.
    this.params = undefined;
    this.busy = true;
    this.view.setData({ phase: 'paying', message: '' });
    try {
      await requestPayment(this.wx, params);
    } catch (err) {
      // "requestPayment:fail cancel" or another failure: nothing was paid as
      // far as we know, and the order stays pending on the server.
      const code = showError(this.wx, err);
      this.view.setData({ phase: 'failed', message: messageForCode(code) });
      this.busy = false;
      return;
    }
    this.busy = false;
    await this.confirm();
  }

  /** Polls GET /v1/orders/{id} until the server reports a final status, or gives up. */
  private async confirm(): Promise<void> {
    this.busy = true;
    this.view.setData({ phase: 'confirming', message: '' });
    this.wx.showLoading({ title: '正在确认支付结果', mask: true });
    let status: OrderStatus | '' = this.view.data.status;
    try {
      for (let i = 0; i < this.maxPolls && !this.disposed; i++) {
        await this.sleep(this.pollIntervalMs);
        if (this.disposed) return;
        try {
          const order = await this.client.getOrder(this.view.data.orderId);
          this.show(order);
          status = order.status;
          if (status !== 'pending') break;
        } catch {
          // A lost answer while polling is not a verdict; ask again.
        }
      }
    } finally {
      this.wx.hideLoading();
      this.busy = false;
    }
    if (this.disposed) return;
    if (status === 'pending' || status === '') {
      const message = messageForCode('payment_unconfirmed');
      this.wx.showToast({ title: message, icon: 'none', duration: 3000 });
      this.view.setData({ phase: 'unconfirmed', message });
      return;
    }
    this.settle(status);
  }

  /** POST /v1/orders/{id}/pay; false (with the error shown) when there are no arguments. */
  private async fetchParams(): Promise<boolean> {
    this.busy = true;
    this.wx.showLoading({ title: '加载中', mask: true });
    let checkout: Checkout;
    try {
      checkout = await this.client.payOrder(this.view.data.orderId);
    } catch (err) {
      this.wx.hideLoading();
      const code = showError(this.wx, err);
      if (code === 'order_not_payable' || code === 'not_found') {
        await this.refresh(); // paid, cancelled or expired: show it as the server has it
      } else {
        this.view.setData({ phase: 'failed', message: messageForCode(code) });
      }
      return false;
    } finally {
      this.busy = false;
    }
    this.wx.hideLoading();
    this.show(checkout.order);
    this.params = checkout.payment;
    if (!this.params) {
      const code = showError(this.wx, { code: 'wechatpay_unavailable' });
      this.view.setData({ phase: 'failed', message: messageForCode(code) });
      return false;
    }
    return true;
  }

  /** Reads the order once and shows the server's status. */
  private async refresh(): Promise<void> {
    try {
      const order = await this.client.getOrder(this.view.data.orderId);
      this.show(order);
      if (order.status === 'pending') this.view.setData({ phase: 'failed', message: '' });
      else this.settle(order.status);
    } catch (err) {
      this.view.setData({ phase: 'failed', message: messageForCode(errorCode(err)) });
    }
  }

  private show(order: Order): void {
    this.view.setData({
      order: orderView(order),
      status: order.status,
      statusText: statusText(order.status),
    });
  }

  private settle(status: OrderStatus): void {
    this.view.setData({ phase: 'done', message: '' });
    if (status === 'paid') this.wx.showToast({ title: '支付成功', icon: 'success' });
  }
}
