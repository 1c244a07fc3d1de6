// Payment: hand the server's signed arguments to wx.requestPayment, then ask
// the server until it says the order is no longer pending.
//
// The client never decides that an order is paid: only the server's Order
// status does. wx.requestPayment's success only means the sheet closed after
// WeChat took the payment; the order becomes `paid` on the server when WeChat
// Pay's verified notification arrives or when the server queries WeChat Pay
// itself. So after success this calls POST /v1/orders/{id}/refresh at once
// (the server asks WeChat Pay now, 主动查询, instead of waiting for a
// notification that may be late or lost), then again on a back-off (waits of
// 1 s, 1 s, 2 s, 2 s, 3 s, 3 s, 5 s…, about 30 s in all) until the status is
// not pending; still pending then is `unconfirmed`, never paid. The server
// asks WeChat at most once per order every ~3 s however many calls arrive;
// the others get the stored state.
//
// The user cancelling the sheet ("requestPayment:fail cancel") shows a toast
// and leaves the order as it is. Any other failure asks the server once
// (refresh) before saying unpaid: WeChat may have taken the money even so,
// and then the server's status (paid, or whatever it is) is shown. Unpaid
// offers "重新支付" (fresh arguments from POST /v1/orders/{id}/pay) and
// "取消订单" (POST /v1/orders/{id}/cancel).
//
// When the page is shown again (onShow → resume(): the user comes back from
// WeChat, another app or another page) and the order is still pending in
// `failed`, `unconfirmed` or `confirming` with nothing running, it refreshes
// once and shows the result. Not while start() or another step is running,
// so the onShow that follows onLoad asks nothing.
//
// Statuses other than pending are not payable here: paid and late_paid are
// final (and so is shipped, which virtual goods reach on payment itself),
// cancelled and expired too, and closing (the order is being cancelled) is
// shown as it is.
import type { Checkout, Client, Order, OrderStatus, PaymentParams } from '../../api/index';
import { errorCode, messageForCode, showError } from '../../utils/errors';
import { OrderView, orderView, statusText } from '../../utils/format';
import { takeCheckout } from '../../utils/handoff';
import { PageWx, View, confirmModal, requestPayment, sleep as realSleep } from '../../utils/wx';
import { showLoading, hideLoading, toast } from '../../utils/ui';

/**
 * Where the page is. None of these says "paid" on its own: `status` (from
 * the server's Order) does.
 * - loading: fetching the order or payment arguments
 * - paying: the WeChat Pay sheet is open
 * - confirming: asking the server (refresh) after the sheet closed
 * - done: the server's status is not pending (paid, late_paid, closing,
 *   cancelled or expired); nothing to pay here
 * - failed: cancelled, failed, or arguments unavailable; the order is still pending
 * - unconfirmed: the server still said pending when polling stopped
 * - missing: the page was opened without an order id; nothing to pay, a way back
 */
export type PayPhase = 'loading' | 'paying' | 'confirming' | 'done' | 'failed' | 'unconfirmed' | 'missing';

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
  /**
   * Waits (ms) between the refreshes after a successful payment; the last one
   * repeats. The first refresh is not waited for.
   */
  pollDelaysMs?: number[];
  /** The most time (ms) spent waiting between those refreshes in all. */
  maxPollWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** After success: refresh now, then after 1 s, 1 s, 2 s, 2 s, 3 s, 3 s, 5 s, 5 s, 5 s (27 s of waiting). */
export const DEFAULT_POLL_DELAYS_MS = [1000, 1000, 2000, 2000, 3000, 3000, 5000];
export const DEFAULT_MAX_POLL_WAIT_MS = 30000;

/** Phases in which a page shown again asks the server once (see resume). */
const RESUMABLE: readonly PayPhase[] = ['failed', 'unconfirmed', 'confirming'];

export class PayController {
  private params?: PaymentParams;
  private disposed = false;
  private busy = false;
  /** start() is running: the onShow right after onLoad must not query too. */
  private starting = false;
  private readonly pollDelaysMs: number[];
  private readonly maxPollWaitMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly view: View<PayData>,
    private readonly client: Client,
    private readonly wx: PageWx,
    options: PayOptions = {},
  ) {
    this.pollDelaysMs = options.pollDelaysMs?.length ? options.pollDelaysMs : DEFAULT_POLL_DELAYS_MS;
    this.maxPollWaitMs = options.maxPollWaitMs ?? DEFAULT_MAX_POLL_WAIT_MS;
    this.sleep = options.sleep ?? realSleep;
  }

  /**
   * Opens the payment for orderId: with the checkout the confirmation page
   * just received, or else with fresh arguments from POST /pay.
   */
  /** Opened without an order id (a bad link): say so and offer a way back, never a blank page. */
  missing(): void {
    this.view.setData({ phase: 'missing', message: '没有指定要支付的订单' });
  }

  async start(orderId: string): Promise<void> {
    this.starting = true;
    try {
      this.view.setData({ orderId, phase: 'loading' });
      const checkout = takeCheckout(orderId);
      if (checkout) {
        this.show(checkout.order);
        this.params = checkout.payment;
      }
      if (!this.params && !(await this.fetchParams())) return;
      await this.pay();
    } finally {
      this.starting = false;
    }
  }

  /**
   * The page is shown again: if the order is known, still pending and the
   * page is waiting on the user (failed, unconfirmed) or on the server
   * (confirming) with nothing running, ask the server once and show the
   * result.
   */
  async resume(): Promise<void> {
    const { orderId, status, phase } = this.view.data;
    if (this.busy || this.starting || this.disposed) return;
    if (!orderId || status !== 'pending' || !RESUMABLE.includes(phase)) return;
    this.busy = true;
    try {
      const order = await this.client.request('/v1/orders/{orderId}/refresh', 'post', { params: { path: { orderId: orderId } } });
      if (this.disposed) return;
      this.show(order);
      if (order.status !== 'pending') this.settle(order.status);
    } catch {
      // No answer is no news: the page stays as it was, its buttons still work.
    } finally {
      this.busy = false;
    }
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
    showLoading(this.wx, '正在取消');
    try {
      const order = await this.client.request('/v1/orders/{orderId}/cancel', 'post', { params: { path: { orderId: this.view.data.orderId } } });
      hideLoading(this.wx);
      this.show(order);
      this.settle(order.status);
    } catch (err) {
      hideLoading(this.wx);
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
      if (errorCode(err) === 'payment_cancelled') {
        // The user closed the sheet: nothing was paid, the order stays pending.
        const code = showError(this.wx, err);
        this.view.setData({ phase: 'failed', message: messageForCode(code) });
        this.busy = false;
        return;
      }
      // Any other failure: WeChat may have taken the money anyway, so the
      // server (which asks WeChat Pay) has the last word before "unpaid".
      await this.checkAfterFailure(err);
      this.busy = false;
      return;
    }
    this.busy = false;
    await this.confirm();
  }

  /** After a failed (not cancelled) payment: one refresh, then the server's status or `failed`. */
  private async checkAfterFailure(err: unknown): Promise<void> {
    this.view.setData({ phase: 'confirming', message: '' });
    showLoading(this.wx, '正在确认支付结果');
    let order: Order | undefined;
    try {
      order = await this.client.request('/v1/orders/{orderId}/refresh', 'post', { params: { path: { orderId: this.view.data.orderId } } });
    } catch {
      // No answer: say what WeChat said.
    } finally {
      hideLoading(this.wx);
    }
    if (this.disposed) return;
    if (order) this.show(order);
    if (order && order.status !== 'pending') {
      this.settle(order.status);
      return;
    }
    const code = showError(this.wx, err);
    this.view.setData({ phase: 'failed', message: messageForCode(code) });
  }

  /**
   * Refreshes the order now, then on the back-off, until the server reports a
   * status other than pending, or the waits are used up.
   */
  private async confirm(): Promise<void> {
    this.busy = true;
    this.view.setData({ phase: 'confirming', message: '' });
    showLoading(this.wx, '正在确认支付结果');
    let status: OrderStatus | '' = this.view.data.status;
    try {
      let waited = 0;
      for (let i = 0; !this.disposed; i++) {
        if (i > 0) {
          const wait = this.pollDelaysMs[Math.min(i - 1, this.pollDelaysMs.length - 1)];
          if (waited + wait > this.maxPollWaitMs) break;
          waited += wait;
          await this.sleep(wait);
          if (this.disposed) return;
        }
        try {
          const order = await this.client.request('/v1/orders/{orderId}/refresh', 'post', { params: { path: { orderId: this.view.data.orderId } } });
          if (this.disposed) return;
          this.show(order);
          status = order.status;
          if (status !== 'pending') break;
        } catch {
          // A lost answer while polling is not a verdict; ask again.
        }
      }
    } finally {
      hideLoading(this.wx);
      this.busy = false;
    }
    if (this.disposed) return;
    if (status === 'pending' || status === '') {
      const message = messageForCode('payment_unconfirmed');
      toast(this.wx, message, 'none', 3000);
      this.view.setData({ phase: 'unconfirmed', message });
      return;
    }
    this.settle(status);
  }

  /** POST /v1/orders/{id}/pay; false (with the error shown) when there are no arguments. */
  private async fetchParams(): Promise<boolean> {
    this.busy = true;
    showLoading(this.wx, '加载中');
    let checkout: Checkout;
    try {
      checkout = await this.client.request('/v1/orders/{orderId}/pay', 'post', { params: { path: { orderId: this.view.data.orderId } } });
    } catch (err) {
      hideLoading(this.wx);
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
    hideLoading(this.wx);
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
      const order = await this.client.request('/v1/orders/{orderId}', 'get', { params: { path: { orderId: this.view.data.orderId } } });
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
    // Virtual goods are shipped on payment: the server may say shipped straight away.
    if (status === 'paid' || status === 'shipped') toast(this.wx, '支付成功', 'success');
  }
}
