// Test doubles for the page tests: a fake `wx` (UI calls recorded, payment
// outcome scripted, wx.request answered by a scripted server), a fake view
// standing in for the Page instance, and fixtures shaped by the API's types.
import type { Checkout, Client, Order, OrderStatus, PaymentParams, Product, RefundApplication, Shipment, ShippingAddress, Subscription, User, WxLike } from '../../src/api/index';
import type { WxResponse } from '@wxmp/wx-client';
import type { ChosenAddress, OpenBusinessViewOption, PageWx, View, WxFail } from '../../src/utils/wx';

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

/** What the address picker answers: an address, or WeChat's fail. */
export type AddressOutcome = ChosenAddress | WxFail;

/** What opening a business view does: opens, or fails with WeChat's errMsg. */
export type BusinessViewOutcome = 'opened' | WxFail;

/** What the subscribe popup answers: the user's choice per id (accept when unset), WeChat's fail, or nothing ever. */
export type SubscribeOutcome = Record<string, string> | { errMsg: string; errCode: number } | 'never';

/** What the server answers an upload: a status and body, or no answer ({errMsg}); held: only when the test calls release(). */
export type UploadOutcome = { status: number; body: unknown; held?: boolean } | WxFail;

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
  /** Every modal shown: its title, content and confirm text. */
  readonly modals: { title?: string; content?: string; confirmText?: string }[] = [];
  /** Answers of the next wx.chooseAddress calls, in order; PICKED when empty. */
  addressOutcomes: AddressOutcome[] = [];
  chooseAddressCalls = 0;
  openSettingCalls = 0;
  /** What wx.canIUse says no to. */
  readonly cannotUse = new Set<string>();
  /** The options of every wx.openBusinessView call. */
  readonly businessViews: OpenBusinessViewOption[] = [];
  /** Outcomes of the next wx.openBusinessView calls; opened when empty. */
  businessViewOutcomes: BusinessViewOutcome[] = [];
  /** The tmplIds of every wx.requestSubscribeMessage call. */
  readonly subscribeAsks: string[][] = [];
  /** Answers of the next subscribe popups, in order; every id accepted when empty. */
  subscribeOutcomes: SubscribeOutcome[] = [];
  /** Every wx.uploadFile call. */
  readonly uploads: { url: string; filePath: string; name: string; header: Record<string, string> }[] = [];
  /** Answers of the next uploads, in order; 200 with {} when empty. */
  uploadOutcomes: UploadOutcome[] = [];
  /** Answers a held upload (see UploadOutcome). */
  release: () => void = () => undefined;
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

  showModal(option: { title?: string; content?: string; confirmText?: string; success?: (res: { confirm: boolean; cancel: boolean }) => void }): void {
    this.modals.push({ title: option.title, content: option.content, confirmText: option.confirmText });
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

  chooseAddress(option: { success?: (res: ChosenAddress) => void; fail?: (err: WxFail) => void }): void {
    this.chooseAddressCalls++;
    const outcome = this.addressOutcomes.shift() ?? PICKED;
    void Promise.resolve().then(() => ('errMsg' in outcome ? option.fail?.(outcome) : option.success?.(outcome)));
  }

  openSetting(): void {
    this.openSettingCalls++;
  }

  canIUse(schema: string): boolean {
    return !this.cannotUse.has(schema);
  }

  openBusinessView(option: OpenBusinessViewOption): void {
    this.businessViews.push(option);
    const outcome = this.businessViewOutcomes.shift() ?? 'opened';
    void Promise.resolve().then(() => (outcome === 'opened' ? option.success?.({ errMsg: 'openBusinessView:ok' }) : option.fail?.(outcome)));
  }

  requestSubscribeMessage(option: {
    tmplIds: string[];
    success?: (res: Record<string, string>) => void;
    fail?: (err: { errMsg: string; errCode?: number }) => void;
  }): void {
    this.subscribeAsks.push(option.tmplIds);
    const outcome = this.subscribeOutcomes.shift() ?? {};
    if (outcome === 'never') return;
    void Promise.resolve().then(() => {
      if ('errMsg' in outcome && 'errCode' in outcome) {
        option.fail?.(outcome as { errMsg: string; errCode: number });
        return;
      }
      const res: Record<string, string> = { errMsg: 'requestSubscribeMessage:ok' };
      for (const id of option.tmplIds) res[id] = (outcome as Record<string, string>)[id] ?? 'accept';
      option.success?.(res);
    });
  }

  uploadFile(option: {
    url: string;
    filePath: string;
    name: string;
    header?: Record<string, string>;
    success?: (res: { data: string; statusCode: number }) => void;
    fail?: (err: { errMsg: string }) => void;
  }): void {
    this.uploads.push({ url: option.url, filePath: option.filePath, name: option.name, header: option.header ?? {} });
    const outcome = this.uploadOutcomes.shift() ?? { status: 200, body: {} };
    const answer = (): void =>
      void ('errMsg' in outcome ? option.fail?.(outcome) : option.success?.({ statusCode: outcome.status, data: JSON.stringify(outcome.body) }));
    if (!('errMsg' in outcome) && outcome.held) this.release = answer;
    else void Promise.resolve().then(answer);
  }

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
  kind: 'pickup',
};

export const TEA: Product = {
  id: '22222222-2222-4222-8222-222222222222',
  name: '乌龙茶',
  description: '罐装',
  price_fen: 990,
  stock: 2,
  kind: 'pickup',
};

/** Sent by courier: an order with it needs an address. */
export const MUG: Product = {
  id: '55555555-5555-4555-8555-555555555555',
  name: '马克杯',
  description: '陶瓷 350 ml',
  price_fen: 3500,
  stock: 3,
  kind: 'physical',
};

/** Delivered on payment. */
export const CARD: Product = {
  id: '66666666-6666-4666-8666-666666666666',
  name: '礼品卡',
  description: '电子卡',
  price_fen: 5000,
  stock: 10,
  kind: 'virtual',
};

/** What wx.chooseAddress answers by default (WeChat's own test address). */
export const PICKED: ChosenAddress = {
  userName: '张三',
  telNumber: '020-81167888',
  provinceName: '广东省',
  cityName: '广州市',
  countyName: '海珠区',
  detailInfo: '新港中路397号',
  postalCode: '510000',
};

/** PICKED as the API takes it. */
export const ADDRESS: ShippingAddress = {
  name: '张三',
  phone: '020-81167888',
  province: '广东省',
  city: '广州市',
  district: '海珠区',
  detail: '新港中路397号',
  postal_code: '510000',
};

export const TRANSACTION_ID = '4200000000202511230000000001';

/** Two parcels by express, uploaded to WeChat unless told otherwise. */
export function shipment(overrides: Partial<Shipment> = {}): Shipment {
  return {
    method: 'express',
    parcels: [
      { company: 'SF', tracking_no: 'SF1234567890' },
      { company: 'YTO', tracking_no: 'YT9876543210' },
    ],
    shipped_at: '2025-11-24T09:00:00Z',
    reships: 0,
    uploaded_at: '2025-11-24T09:00:05Z',
    ...overrides,
  };
}

/** A paid physical order, shipped (or as status says) and known to WeChat. */
export function shippedOrder(status: OrderStatus = 'shipped', overrides: Partial<Order> = {}): Order {
  return order(status, {
    items: [{ product_id: MUG.id, name: MUG.name, unit_price_fen: 3500, quantity: 1, subtotal_fen: 3500 }],
    total_fen: 3500,
    description: '马克杯 ×1',
    paid_at: '2025-11-23T12:01:00Z',
    kind: 'physical',
    address: ADDRESS,
    transaction_id: TRANSACTION_ID,
    shipment: shipment(),
    ...(status === 'received' || status === 'completed' ? { received_at: '2025-11-25T10:00:00Z' } : {}),
    ...(status === 'completed' ? { completed_at: '2025-11-26T10:00:00Z' } : {}),
    ...overrides,
  });
}

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

/** The templates the merchant configured (GET /v1/me/subscriptions). */
export const TEMPLATES: Subscription[] = [
  { event: 'paid', template_id: 'tmpl-paid', remaining: 0 },
  { event: 'shipped', template_id: 'tmpl-shipped', remaining: 0 },
  { event: 'refunded', template_id: 'tmpl-refunded', remaining: 0 },
  { event: 'refund_request', template_id: 'tmpl-refund-request', remaining: 0 },
];

/** A buyer as GET /v1/me has them. */
export function user(overrides: Partial<User> = {}): User {
  return {
    id: '77777777-7777-4777-8777-777777777777',
    openid: 'o-test-openid',
    created_at: '2025-11-20T08:00:00Z',
    ...overrides,
  };
}

/** A refund request on order() (status as given). */
export function refundRequest(status: RefundApplication['status'] = 'requested', overrides: Partial<RefundApplication> = {}): RefundApplication {
  return {
    id: '88888888-8888-4888-8888-888888888888',
    order_id: '33333333-3333-4333-8333-333333333333',
    out_trade_no: '20251123ABCDEFGHIJKLMNOPQRSTUVWX',
    amount_fen: 2560,
    reason: '不想要了',
    status,
    created_at: '2025-11-24T08:00:00Z',
    updated_at: '2025-11-24T08:00:00Z',
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
  confirmReceipt?: jest.Mock; // (orderId)
  getMe?: jest.Mock; // ()
  updateMe?: jest.Mock; // (body)
  bindPhone?: jest.Mock; // (code)
  getSubscriptions?: jest.Mock; // ()
  recordSubscriptions?: jest.Mock; // (results)
  requestRefund?: jest.Mock; // (orderId, body)
  listRefundRequests?: jest.Mock; // (orderId)
  withdrawRefundRequest?: jest.Mock; // (requestId)
}

type Init = { params?: { path?: { orderId?: string; requestId?: string }; query?: { cursor?: string; limit?: number }; header?: Record<string, string> }; body?: any };

/** placeOrder's arguments: (items, key), and the address when one was sent. */
function placeArgs(i: Init): unknown[] {
  const args: unknown[] = [i.body?.items, i.params?.header?.['Idempotency-Key']];
  if (i.body?.address !== undefined) args.push(i.body.address);
  return args;
}

/** A Client whose request(path, method, init) calls the matching Ops mock. */
export function opsClient(ops: Ops): Client {
  const id = (i: Init) => i.params?.path?.orderId;
  const routes: Record<string, (i: Init) => unknown> = {
    'get /v1/products': () => ops.listProducts?.(),
    'post /v1/orders': (i) => ops.placeOrder?.(...placeArgs(i)),
    'get /v1/orders/{orderId}': (i) => ops.getOrder?.(id(i)),
    'get /v1/orders': (i) => ops.listOrders?.(i.params?.query?.cursor, i.params?.query?.limit),
    'post /v1/orders/{orderId}/pay': (i) => ops.payOrder?.(id(i)),
    'post /v1/orders/{orderId}/cancel': (i) => ops.cancelOrder?.(id(i)),
    'post /v1/orders/{orderId}/refresh': (i) => ops.refreshOrder?.(id(i)),
    'post /v1/orders/{orderId}/receipt': (i) => ops.confirmReceipt?.(id(i)),
    'get /v1/me': () => ops.getMe?.(),
    'put /v1/me': (i) => ops.updateMe?.(i.body),
    'post /v1/me/phone': (i) => ops.bindPhone?.(i.body?.code),
    'get /v1/me/subscriptions': () => ops.getSubscriptions?.(),
    'post /v1/me/subscriptions': (i) => ops.recordSubscriptions?.(i.body?.results),
    'post /v1/orders/{orderId}/refund-requests': (i) => ops.requestRefund?.(id(i), i.body),
    'get /v1/orders/{orderId}/refund-requests': (i) => ops.listRefundRequests?.(id(i)),
    'post /v1/refund-requests/{requestId}/withdraw': (i) => ops.withdrawRefundRequest?.(i.params?.path?.requestId),
  };
  const request = (path: string, method: string, init: Init = {}) => {
    const route = routes[`${method} ${path}`];
    const answer = route?.(init);
    if (answer === undefined) return Promise.reject(new Error(`opsClient: nothing scripted for ${method} ${path}`));
    return Promise.resolve(answer);
  };
  return { request } as unknown as Client;
}
