// Test doubles for the page tests: a fake `wx` (UI calls recorded, payment
// outcome scripted, wx.request answered by a scripted server), a fake view
// standing in for the Page instance, and fixtures shaped by the API's types.
import type { Checkout, Client, Order, OrderStatus, PaymentParams, Product, WxLike } from '../../src/api/index';
import type { WxResponse } from '@wxmp/wx-client';
import type { PageWx, View } from '../../src/utils/wx';

export interface FakeRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: any;
}

export interface FakeReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

type RequestOptions = Parameters<WxLike['request']>[0];
type PaymentOptions = Parameters<PageWx['requestPayment']>[0];

/** What happens when the payment sheet opens: success, or WeChat's fail errMsg. */
export type PaymentOutcome = 'success' | { errMsg: string };

export class FakeWx implements PageWx, WxLike {
  readonly storage = new Map<string, unknown>();
  readonly toasts: { title: string; icon?: string }[] = [];
  readonly navigations: string[] = [];
  readonly requests: FakeRequest[] = [];
  /** The five arguments of every wx.requestPayment call. */
  readonly payments: PaymentParams[] = [];
  /** The option keys of every wx.requestPayment call (nothing beyond the five and the callbacks). */
  readonly paymentKeys: string[][] = [];
  /** Outcomes of the next payment sheets, in order; success when empty. */
  paymentOutcomes: PaymentOutcome[] = [];
  /** Answers of the next modals, in order; confirm when empty. */
  modalAnswers: boolean[] = [];
  loginCalls = 0;
  /** Nested showLoading minus hideLoading. */
  loadingDepth = 0;
  /** Answers wx.request; a thrown {errMsg} becomes the request's `fail`. */
  server: (req: FakeRequest) => FakeReply = () => ({ status: 404, body: problem(404, 'not_found') });

  // ---- what the API client uses --------------------------------------------------------
  request(options: RequestOptions): void {
    const [path, qs = ''] = options.url.replace(/^https?:\/\/[^/]+/, '').split('?');
    const query: Record<string, string> = {};
    for (const pair of qs.split('&').filter(Boolean)) {
      const [k, v = ''] = pair.split('=');
      query[decodeURIComponent(k)] = decodeURIComponent(v);
    }
    const req: FakeRequest = {
      method: options.method,
      path,
      query,
      headers: options.header,
      body: options.data === undefined ? undefined : JSON.parse(options.data),
    };
    this.requests.push(req);
    let reply: FakeReply;
    try {
      reply = this.server(req);
    } catch (err) {
      void Promise.resolve().then(() => options.fail(err as { errMsg: string }));
      return;
    }
    const res: WxResponse = { statusCode: reply.status, data: reply.body ?? '', header: reply.headers ?? {} };
    void Promise.resolve().then(() => options.success(res));
  }

  login(options: { success(res: { code: string }): void; fail(err: { errMsg: string }): void }): void {
    this.loginCalls++;
    const code = `code-${this.loginCalls}`;
    void Promise.resolve().then(() => options.success({ code }));
  }

  getStorageSync(key: string): unknown {
    return this.storage.has(key) ? this.storage.get(key) : '';
  }

  setStorageSync(key: string, value: unknown): void {
    this.storage.set(key, value);
  }

  removeStorageSync(key: string): void {
    this.storage.delete(key);
  }

  // ---- what the pages use --------------------------------------------------------------
  requestPayment(options: PaymentOptions): void {
    const { timeStamp, nonceStr, package: pkg, signType, paySign } = options;
    this.payments.push({ timeStamp, nonceStr, package: pkg, signType, paySign });
    this.paymentKeys.push(Object.keys(options).sort());
    const outcome = this.paymentOutcomes.shift() ?? 'success';
    void Promise.resolve().then(() =>
      outcome === 'success' ? options.success({ errMsg: 'requestPayment:ok' }) : options.fail(outcome),
    );
  }

  showLoading(): void {
    this.loadingDepth++;
  }

  hideLoading(): void {
    this.loadingDepth = Math.max(0, this.loadingDepth - 1);
  }

  showToast(option: { title: string; icon?: string }): void {
    this.toasts.push({ title: option.title, icon: option.icon });
  }

  showModal(option: { success?: (res: { confirm: boolean; cancel: boolean }) => void }): void {
    const confirm = this.modalAnswers.shift() ?? true;
    void Promise.resolve().then(() => option.success?.({ confirm, cancel: !confirm }));
  }

  navigateTo(option: { url: string; complete?: () => void }): void {
    this.navigations.push(`navigateTo ${option.url}`);
    void Promise.resolve().then(() => option.complete?.());
  }

  navigateBack(option?: { delta?: number }): void {
    this.navigations.push(`navigateBack ${option?.delta ?? 1}`);
  }

  redirectTo(option: { url: string }): void {
    this.navigations.push(`redirectTo ${option.url}`);
  }

  switchTab(option: { url: string }): void {
    this.navigations.push(`switchTab ${option.url}`);
  }

  stopPullDownRefresh(): void {}

  /** Titles of the toasts shown so far. */
  toastTitles(): string[] {
    return this.toasts.map((t) => t.title);
  }
}

/** Stands in for the Page instance: data plus a synchronous setData. */
export class FakeView<D extends object> implements View<D> {
  constructor(public data: D) {}
  setData(patch: Partial<D>): void {
    this.data = { ...this.data, ...patch };
  }
}

/** Lets promise chains settle (fake wx answers in microtasks); no timers involved. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

// ---- fixtures ---------------------------------------------------------------------------

export function problem(status: number, code: string, extra: Record<string, unknown> = {}) {
  return { type: `urn:wxmp:problem:${code}`, title: code, status, code, detail: code, ...extra };
}

/** An ApiError-shaped failure, as the client throws it. */
export function apiError(status: number, code: string, orderId?: string) {
  return Object.assign(new Error(code), { status, code, detail: code, orderId });
}

export const COFFEE: Product = {
  id: '11111111-1111-4111-8111-111111111111',
  name: '挂耳咖啡',
  description: '10 包装',
  price_fen: 1280,
  stock: 5,
};

export const TEA: Product = {
  id: '22222222-2222-4222-8222-222222222222',
  name: '乌龙茶',
  description: '罐装',
  price_fen: 990,
  stock: 2,
};

export function order(status: OrderStatus = 'pending', overrides: Partial<Order> = {}): Order {
  return {
    id: '33333333-3333-4333-8333-333333333333',
    out_trade_no: '20251123ABCDEFGHIJKLMNOPQRSTUVWX',
    status,
    items: [
      { product_id: COFFEE.id, name: COFFEE.name, unit_price_fen: 1280, quantity: 2, subtotal_fen: 2560 },
    ],
    total_fen: 2560,
    refunded_fen: 0,
    currency: 'CNY',
    description: '挂耳咖啡 ×2',
    created_at: '2025-11-23T12:00:00Z',
    expires_at: '2999-01-01T00:00:00Z',
    ...(status === 'paid' ? { paid_at: '2025-11-23T12:01:00Z' } : {}),
    ...overrides,
  };
}

export function payment(n = 1): PaymentParams {
  return {
    timeStamp: String(1763900000 + n),
    nonceStr: `nonce${n}`,
    package: `prepay_id=wx${n}`,
    signType: 'RSA',
    paySign: `sig${n}==`,
  };
}

export function checkout(o: Order = order(), p: PaymentParams | undefined = payment()): Checkout {
  return p ? { order: o, payment: p } : { order: o };
}

/**
 * Scripted answers by operation, for page tests that assert what a page asked for
 * (`getOrder` was called with the order's id) rather than the HTTP it took.
 */
export interface Ops {
  listProducts?: jest.Mock;
  placeOrder?: jest.Mock; // (items, idempotencyKey)
  getOrder?: jest.Mock; // (orderId)
  listOrders?: jest.Mock; // (cursor, limit)
  payOrder?: jest.Mock; // (orderId)
  cancelOrder?: jest.Mock; // (orderId)
  refreshOrder?: jest.Mock; // (orderId)
}

type Init = { params?: { path?: { orderId?: string }; query?: { cursor?: string; limit?: number }; header?: Record<string, string> }; body?: any };

/** A Client whose request(path, method, init) calls the matching Ops mock. */
export function opsClient(ops: Ops): Client {
  const id = (i: Init) => i.params?.path?.orderId;
  const routes: Record<string, (i: Init) => unknown> = {
    'get /v1/products': () => ops.listProducts?.(),
    'post /v1/orders': (i) => ops.placeOrder?.(i.body?.items, i.params?.header?.['Idempotency-Key']),
    'get /v1/orders/{orderId}': (i) => ops.getOrder?.(id(i)),
    'get /v1/orders': (i) => ops.listOrders?.(i.params?.query?.cursor, i.params?.query?.limit),
    'post /v1/orders/{orderId}/pay': (i) => ops.payOrder?.(id(i)),
    'post /v1/orders/{orderId}/cancel': (i) => ops.cancelOrder?.(id(i)),
    'post /v1/orders/{orderId}/refresh': (i) => ops.refreshOrder?.(id(i)),
  };
  const request = (path: string, method: string, init: Init = {}) => {
    const route = routes[`${method} ${path}`];
    const answer = route?.(init);
    if (answer === undefined) return Promise.reject(new Error(`opsClient: nothing scripted for ${method} ${path}`));
    return Promise.resolve(answer);
  };
  return { request } as unknown as Client;
}
