/**
 * The wxmp API client for the mini-program: a typed transport over `wx.request`.
 *
 * Every type comes from `./schema.d.ts`, which `make generate` produces from
 * ../openapi.yaml (openapi-typescript); nothing here restates a schema by hand.
 *
 * Exported API
 * - `createClient({ wx, baseUrl, storage?, reloginOn401?, timeout? }): Client`
 *     `wx` is any `WxLike` (the five wx functions used), so tests and Node pass their own.
 * - `Client` methods, each resolving to the operation's success body:
 *     `login(code)`            POST /v1/auth/login, stores the token
 *     `ensureLogin()`          the stored token, or wx.login + login(code) when there is none
 *     `me()`                   GET  /v1/me
 *     `logout()`               POST /v1/auth/logout, then forgets the token (a 401 counts as done)
 *     `listProducts()`         GET  /v1/products
 *     `placeOrder(items, idempotencyKey?)`  POST /v1/orders → Checkout (order + payment)
 *     `getOrder(id)`           GET  /v1/orders/{orderId}
 *     `listOrders(cursor?, limit?)`         GET /v1/orders → OrderPage
 *     `payOrder(id)`           POST /v1/orders/{orderId}/pay → Checkout
 *     `cancelOrder(id)`        POST /v1/orders/{orderId}/cancel → Order
 *     `refreshOrder(id)`       POST /v1/orders/{orderId}/refresh → Order (the server asks WeChat Pay now)
 *     `request(path, method, init?)`        any operation, typed by path + method from `paths`
 *     `token()`                the stored token, if any
 * - `ApiError` (`status`, `code`, `detail`, `orderId?`, `retryAfter?`, `problem?`): every failure.
 *     `code` is the server's `ProblemCode`, or a client-only code: `network_error` (no HTTP
 *     answer: offline, timeout, domain not whitelisted, or wx.login failed; status 0) and
 *     `invalid_response` (an answer that is neither the success body nor a problem).
 * - The default client, bound lazily to the global `wx` and `API_BASE` from ../config:
 *     `getClient()`, `setDefaultClient(c)` (tests), and the same methods as functions:
 *     `ensureLogin`, `login`, `me`, `logout`, `listProducts`, `placeOrder`, `getOrder`,
 *     `listOrders`, `payOrder`, `cancelOrder`, `refreshOrder`.
 * - `wxTokenStore(wx, key?)`: the default `storage`: wx storage under 'token', mirrored into
 *     `getApp().globalData.token` when an App exists.
 * - Types: `Schemas`, `User`, `Product`, `Order`, `OrderItem`, `OrderStatus`, `Checkout`,
 *     `Refund`, `RefundStatus`, `PaymentParams`, `OrderPage`, `LoginResponse`, `Problem`, `ProblemCode`, `ErrorCode`,
 *     `OrderItemRequest`, `WxLike`, `TokenStore`, `ClientOptions`, `Client`.
 *
 * On a 401 `unauthorized` (an expired or revoked token, never `invalid_code`) the client
 * logs in again once and retries the request once; concurrent 401s share that login, and
 * a second 401 is thrown. `reloginOn401: false` turns this off.
 */
import type { components, operations, paths } from './schema';
import { API_BASE } from '../config';

export type Schemas = components['schemas'];
export type User = Schemas['User'];
export type Product = Schemas['Product'];
export type Order = Schemas['Order'];
export type OrderItem = Schemas['OrderItem'];
export type OrderStatus = Schemas['OrderStatus'];
export type Refund = Schemas['Refund'];
export type RefundStatus = Schemas['RefundStatus'];
export type OrderItemRequest = Schemas['OrderItemRequest'];
export type Checkout = Schemas['Checkout'];
export type PaymentParams = Schemas['PaymentParams'];
export type OrderPage = Schemas['OrderPage'];
export type LoginResponse = Schemas['LoginResponse'];
export type Problem = Schemas['Problem'];
export type ProblemCode = Schemas['ProblemCode'];
/** Codes the client makes up itself; the server never sends them. */
export type ClientErrorCode = 'network_error' | 'invalid_response';
export type ErrorCode = ProblemCode | ClientErrorCode;

export class ApiError extends Error {
  /** HTTP status; 0 when there was no HTTP answer (`network_error`). */
  readonly status: number;
  readonly code: ErrorCode;
  /** For people; show it, never branch on it. */
  readonly detail: string;
  /** The order a failed payment step is about (`wechatpay_*`): retry it with payOrder. */
  readonly orderId?: string;
  /** Seconds from `Retry-After` (429, 503). */
  readonly retryAfter?: number;
  /** The server's problem document, when there was one. */
  readonly problem?: Problem;

  constructor(init: { status: number; code: ErrorCode; detail: string; orderId?: string; retryAfter?: number; problem?: Problem }) {
    super(`${init.code}: ${init.detail}`);
    this.name = 'ApiError';
    this.status = init.status;
    this.code = init.code;
    this.detail = init.detail;
    this.orderId = init.orderId;
    this.retryAfter = init.retryAfter;
    this.problem = init.problem;
  }
}

/** What wx.request hands to `success`. */
export interface WxResponse {
  statusCode: number;
  data: unknown;
  header: Record<string, unknown>;
}

/** The part of `wx` the client uses; the real `wx` satisfies it (checked in test/api). */
export interface WxLike {
  request(options: {
    url: string;
    method: 'GET' | 'POST' | 'PUT' | 'DELETE';
    header: Record<string, string>;
    data?: string;
    dataType: 'json';
    responseType: 'text';
    timeout?: number;
    success(res: WxResponse): void;
    fail(err: { errMsg: string }): void;
  }): unknown;
  login(options: { success(res: { code: string }): void; fail(err: { errMsg: string }): void }): unknown;
  getStorageSync(key: string): unknown;
  setStorageSync(key: string, value: string): void;
  removeStorageSync(key: string): void;
}

/** Where the bearer token lives between launches. */
export interface TokenStore {
  get(): string | undefined;
  set(token: string): void;
  clear(): void;
}

export interface ClientOptions {
  wx: WxLike;
  baseUrl: string;
  /** Default: wxTokenStore(wx). */
  storage?: TokenStore;
  /** Log in again and retry once on 401 `unauthorized`. Default true. */
  reloginOn401?: boolean;
  /** wx.request timeout in ms; WeChat's default (60 s) when absent. */
  timeout?: number;
}

// ---- Types derived from the generated `paths` -------------------------------------------

/** wx.request has no PATCH, so neither does the client (the contract uses none). */
export type HttpMethod = 'get' | 'put' | 'post' | 'delete';
/** The methods `paths[P]` defines (openapi-typescript writes `?: never` for the others). */
export type MethodOf<P extends keyof paths> = {
  [M in HttpMethod]: [Exclude<paths[P][M], undefined>] extends [never] ? never : M;
}[HttpMethod];
export type OperationOf<P extends keyof paths, M extends MethodOf<P>> = Exclude<paths[P][M], undefined>;

type NonEmpty<T> = [Exclude<T, undefined>] extends [never] ? false : true;
/** path / query / header parameters, dropping the kinds the operation does not have. */
type ParamsOf<O> = O extends { parameters: infer P }
  ? { [K in keyof P as K extends 'cookie' ? never : NonEmpty<P[K]> extends true ? K : never]: P[K] }
  : never;
type BodyOf<O> = O extends { requestBody: { content: { 'application/json': infer B } } }
  ? { body: B }
  : { body?: undefined };
type RequiredKeys<T> = { [K in keyof T]-?: {} extends Pick<T, K> ? never : K }[keyof T];
type ParamsInit<O> = RequiredKeys<ParamsOf<O>> extends never ? { params?: ParamsOf<O> } : { params: ParamsOf<O> };
export type RequestInit<O> = ParamsInit<O> &
  BodyOf<O> & {
    /** Override the client's reloginOn401 for this call. */
    relogin?: boolean;
  };
type InitArgs<O> = RequiredKeys<RequestInit<O>> extends never ? [init?: RequestInit<O>] : [init: RequestInit<O>];

type SuccessStatus = 200 | 201 | 202 | 203 | 204 | 205 | 206;
type JsonOf<R> = R extends { content: { 'application/json': infer B } } ? B : undefined;
/** The body of the operation's 2xx answer; undefined for 204. */
export type SuccessOf<O> = O extends { responses: infer R }
  ? { [S in keyof R]: S extends SuccessStatus ? JsonOf<R[S]> : never }[keyof R]
  : never;

type Op<K extends keyof operations> = operations[K];
type OrderId = Op<'getOrder'>['parameters']['path']['orderId'];

export interface Client {
  request<P extends keyof paths, M extends MethodOf<P>>(
    path: P,
    method: M,
    ...init: InitArgs<OperationOf<P, M>>
  ): Promise<SuccessOf<OperationOf<P, M>>>;
  login(code: Schemas['LoginRequest']['code']): Promise<SuccessOf<Op<'login'>>>;
  ensureLogin(): Promise<string>;
  me(): Promise<SuccessOf<Op<'getMe'>>>;
  logout(): Promise<void>;
  listProducts(): Promise<SuccessOf<Op<'listProducts'>>>;
  placeOrder(
    items: Schemas['PlaceOrderRequest']['items'],
    idempotencyKey?: NonNullable<Op<'placeOrder'>['parameters']['header']>['Idempotency-Key'],
  ): Promise<SuccessOf<Op<'placeOrder'>>>;
  getOrder(id: OrderId): Promise<SuccessOf<Op<'getOrder'>>>;
  listOrders(
    cursor?: NonNullable<Op<'listOrders'>['parameters']['query']>['cursor'],
    limit?: NonNullable<Op<'listOrders'>['parameters']['query']>['limit'],
  ): Promise<SuccessOf<Op<'listOrders'>>>;
  payOrder(id: OrderId): Promise<SuccessOf<Op<'payOrder'>>>;
  cancelOrder(id: OrderId): Promise<SuccessOf<Op<'cancelOrder'>>>;
  refreshOrder(id: OrderId): Promise<SuccessOf<Op<'refreshOrder'>>>;
  token(): string | undefined;
}

// ---- Runtime --------------------------------------------------------------------------

// Declared here instead of taken from miniprogram-api-typings so that this file also
// compiles in the Node end-to-end program; at run time they are the mini-program's globals
// (and absent in Node, hence the typeof checks).
declare const wx: WxLike | undefined;
declare const getApp: ((opts?: { allowDefault?: boolean }) => { globalData?: Record<string, unknown> } | undefined) | undefined;

/** wx storage under `key`; a copy goes to getApp().globalData.token for pages that read it there. */
export function wxTokenStore(w: WxLike, key = 'token'): TokenStore {
  const mirror = (token: string | undefined): void => {
    if (typeof getApp !== 'function') return; // outside a mini-program (tests, Node)
    const app = getApp();
    if (!app) return; // before App() has run
    // In place: app.ts and pages may hold a reference to globalData.
    if (!app.globalData) app.globalData = {};
    app.globalData.token = token;
  };
  return {
    get() {
      const v = w.getStorageSync(key);
      return typeof v === 'string' && v !== '' ? v : undefined; // an absent key reads as ''
    },
    set(token) {
      w.setStorageSync(key, token);
      mirror(token);
    },
    clear() {
      w.removeStorageSync(key);
      mirror(undefined);
    },
  };
}

interface RawInit {
  params?: { path?: Record<string, unknown>; query?: Record<string, unknown>; header?: Record<string, unknown> };
  body?: unknown;
  relogin?: boolean;
}

function buildUrl(baseUrl: string, path: string, params: RawInit['params']): string {
  const filled = path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = params?.path?.[name];
    if (value === undefined) throw new Error(`wxmp client: missing path parameter ${name} for ${path}`);
    return encodeURIComponent(String(value));
  });
  // Built by hand: the mini-program runtime has no URLSearchParams.
  const query = Object.entries(params?.query ?? {})
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join('&');
  return baseUrl.replace(/\/+$/, '') + filled + (query ? `?${query}` : '');
}

function headerValue(header: Record<string, unknown>, name: string): string | undefined {
  // wx keeps the server's spelling of header names (and HTTP/2 lower-cases them).
  const key = Object.keys(header).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : String(header[key]);
}

function isProblem(data: unknown): data is Problem {
  const p = data as Partial<Problem> | null;
  return typeof p === 'object' && p !== null && typeof p.code === 'string' && typeof p.status === 'number';
}

function errorFromResponse(res: WxResponse): ApiError {
  let data = res.data;
  if (typeof data === 'string') {
    // wx parses JSON bodies itself and hands back the text when that fails.
    try {
      data = JSON.parse(data);
    } catch {
      /* not JSON: handled below */
    }
  }
  const retry = Number(headerValue(res.header, 'Retry-After'));
  const retryAfter = Number.isFinite(retry) && retry >= 0 ? retry : undefined;
  if (!isProblem(data)) {
    return new ApiError({ status: res.statusCode, code: 'invalid_response', detail: `HTTP ${res.statusCode} without a problem document`, retryAfter });
  }
  return new ApiError({
    status: res.statusCode,
    code: data.code,
    detail: data.detail ?? data.title,
    orderId: data.order_id,
    retryAfter,
    problem: data,
  });
}

export function createClient(options: ClientOptions): Client {
  const w = options.wx;
  const store = options.storage ?? wxTokenStore(w);
  const reloginOn401 = options.reloginOn401 ?? true;
  // One login at a time: concurrent 401s (and ensureLogin) all wait for the same one.
  let pendingLogin: Promise<string> | undefined;

  function send(method: HttpMethod, path: string, init: RawInit, token: string | undefined): Promise<unknown> {
    const header: Record<string, string> = {};
    for (const [k, v] of Object.entries(init.params?.header ?? {})) if (v !== undefined) header[k] = String(v);
    if (token) header.Authorization = `Bearer ${token}`;
    let data: string | undefined;
    if (init.body !== undefined) {
      header['Content-Type'] = 'application/json';
      data = JSON.stringify(init.body);
    }
    const url = buildUrl(options.baseUrl, path, init.params);
    return new Promise((resolve, reject) => {
      w.request({
        url,
        method: method.toUpperCase() as Uppercase<HttpMethod>,
        header,
        data,
        dataType: 'json',
        responseType: 'text',
        ...(options.timeout === undefined ? {} : { timeout: options.timeout }),
        success(res) {
          if (res.statusCode < 200 || res.statusCode > 299) return reject(errorFromResponse(res));
          if (res.statusCode === 204) return resolve(undefined);
          if (typeof res.data !== 'object' || res.data === null) {
            return reject(new ApiError({ status: res.statusCode, code: 'invalid_response', detail: `HTTP ${res.statusCode} without a JSON body` }));
          }
          resolve(res.data);
        },
        fail(err) {
          reject(new ApiError({ status: 0, code: 'network_error', detail: err.errMsg }));
        },
      });
    });
  }

  function wxLogin(): Promise<string> {
    return new Promise((resolve, reject) => {
      w.login({
        success: (res) => resolve(res.code),
        fail: (err) => reject(new ApiError({ status: 0, code: 'network_error', detail: err.errMsg })),
      });
    });
  }

  async function login(code: string): Promise<LoginResponse> {
    // Sent without a token and never retried: a 401 here is `invalid_code`, and logging in
    // again to log in would loop.
    const res = (await send('post', '/v1/auth/login', { body: { code } }, undefined)) as LoginResponse;
    store.set(res.token);
    return res;
  }

  function relogin(): Promise<string> {
    pendingLogin ??= wxLogin()
      .then(login)
      .then((res) => res.token)
      .finally(() => {
        pendingLogin = undefined;
      });
    return pendingLogin;
  }

  async function call(method: HttpMethod, path: string, init: RawInit = {}): Promise<unknown> {
    // A login in flight is about to replace the token; sending the old one would only earn a 401.
    if (pendingLogin) await pendingLogin.catch(() => undefined);
    const sent = store.get();
    try {
      return await send(method, path, init, sent);
    } catch (err) {
      const retry = init.relogin ?? reloginOn401;
      if (!retry || !(err instanceof ApiError) || err.status !== 401 || err.code !== 'unauthorized') throw err;
      // If another request already logged in again while this one was out, use its token.
      const current = store.get();
      const token = current !== undefined && current !== sent ? current : await relogin();
      return send(method, path, init, token); // once: a second 401 is the caller's
    }
  }

  const client: Client = {
    request: ((path: string, method: HttpMethod, init?: RawInit) => call(method, path, init)) as Client['request'],
    login,
    ensureLogin: () => pendingLogin ?? Promise.resolve(store.get() ?? relogin()),
    me: () => client.request('/v1/me', 'get'),
    async logout() {
      try {
        await client.request('/v1/auth/logout', 'post', { relogin: false });
      } catch (err) {
        // 401: the token was already expired or revoked, which is what logging out wants.
        if (!(err instanceof ApiError && err.status === 401)) throw err;
      } finally {
        store.clear();
      }
    },
    listProducts: () => client.request('/v1/products', 'get'),
    placeOrder: (items, idempotencyKey) =>
      client.request('/v1/orders', 'post', {
        body: { items },
        params: idempotencyKey === undefined ? {} : { header: { 'Idempotency-Key': idempotencyKey } },
      }),
    getOrder: (orderId) => client.request('/v1/orders/{orderId}', 'get', { params: { path: { orderId } } }),
    listOrders: (cursor, limit) => client.request('/v1/orders', 'get', { params: { query: { cursor, limit } } }),
    payOrder: (orderId) => client.request('/v1/orders/{orderId}/pay', 'post', { params: { path: { orderId } } }),
    cancelOrder: (orderId) => client.request('/v1/orders/{orderId}/cancel', 'post', { params: { path: { orderId } } }),
    refreshOrder: (orderId) => client.request('/v1/orders/{orderId}/refresh', 'post', { params: { path: { orderId } } }),
    token: () => store.get(),
  };
  return client;
}

// ---- The default client ---------------------------------------------------------------

let defaultClient: Client | undefined;

/** The client bound to the mini-program's `wx` and API_BASE, made on first use. */
export function getClient(): Client {
  if (!defaultClient) {
    if (typeof wx === 'undefined' || !wx) throw new Error('wxmp client: no global wx; use createClient({ wx, baseUrl }) outside a mini-program');
    defaultClient = createClient({ wx, baseUrl: API_BASE });
  }
  return defaultClient;
}

/** Replace (or with undefined, reset) the default client, e.g. with a scripted one in a page test. */
export function setDefaultClient(client: Client | undefined): void {
  defaultClient = client;
}

export const ensureLogin: Client['ensureLogin'] = () => getClient().ensureLogin();
export const login: Client['login'] = (code) => getClient().login(code);
export const me: Client['me'] = () => getClient().me();
export const logout: Client['logout'] = () => getClient().logout();
export const listProducts: Client['listProducts'] = () => getClient().listProducts();
export const placeOrder: Client['placeOrder'] = (items, key) => getClient().placeOrder(items, key);
export const getOrder: Client['getOrder'] = (id) => getClient().getOrder(id);
export const listOrders: Client['listOrders'] = (cursor, limit) => getClient().listOrders(cursor, limit);
export const payOrder: Client['payOrder'] = (id) => getClient().payOrder(id);
export const cancelOrder: Client['cancelOrder'] = (id) => getClient().cancelOrder(id);
export const refreshOrder: Client['refreshOrder'] = (id) => getClient().refreshOrder(id);
