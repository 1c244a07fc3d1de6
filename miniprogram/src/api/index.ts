// This app's API: the @wxmp/wx-client package (../../client) bound to the types
// openapi-typescript generates from ../../../openapi.yaml (./schema.d.ts, by
// `make generate`), to this build's API base (config/env.ts) and to the token in
// wx storage. Nothing here restates a schema by hand; pages call
// `client.request(path, method, init)`, typed by the generated `paths`.
import { ApiError, createClient, type Client as GenericClient, type ClientErrorCode, type WxRequest } from '@wxmp/wx-client';
import type { components, paths } from './schema';

export { ApiError };
export type Client = GenericClient<paths>;
export type Schemas = components['schemas'];
export type User = Schemas['User'];
export type Product = Schemas['Product'];
export type ProductKind = Schemas['ProductKind'];
export type ShippingAddress = Schemas['ShippingAddress'];
export type Shipment = Schemas['Shipment'];
export type ShipMethod = Schemas['ShipMethod'];
export type Parcel = Schemas['Parcel'];
export type Order = Schemas['Order'];
export type OrderItem = Schemas['OrderItem'];
export type OrderStatus = Schemas['OrderStatus'];
export type Refund = Schemas['Refund'];
export type RefundStatus = Schemas['RefundStatus'];
export type OrderItemRequest = Schemas['OrderItemRequest'];
export type PlaceOrderRequest = Schemas['PlaceOrderRequest'];
export type Checkout = Schemas['Checkout'];
export type PaymentParams = Schemas['PaymentParams'];
export type OrderPage = Schemas['OrderPage'];
export type LoginResponse = Schemas['LoginResponse'];
export type RefundApplication = Schemas['RefundApplication'];
export type RefundApplicationStatus = RefundApplication['status'];
export type Subscription = Schemas['Subscription'];
export type SubscribeEvent = Subscription['event'];
export type SubscriptionList = Schemas['SubscriptionList'];
export type SubscribeResult = Schemas['SubscribeResults']['results'][string];
export type Problem = Schemas['Problem'];
export type ProblemCode = Schemas['ProblemCode'];
export type ErrorCode = ProblemCode | ClientErrorCode;

/** The part of `wx` the API uses; the real `wx` satisfies it (checked in test/api). */
export interface WxLike {
  request: WxRequest;
  login(options: { timeout?: number; success(res: { code: string }): void; fail(err: { errMsg: string }): void }): unknown;
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

/** Every request's timeout: WeChat's own default is 60 s, far longer than a user waits. */
export const REQUEST_TIMEOUT_MS = 15000;

declare const getApp: ((opts?: { allowDefault?: boolean }) => { globalData?: Record<string, unknown> } | undefined) | undefined;

/** wx storage under `key`; a copy goes to getApp().globalData.token for pages that read it there. */
export function wxTokenStore(w: WxLike, key = 'token'): TokenStore {
  const mirror = (token: string | undefined): void => {
    if (typeof getApp !== 'function') return; // outside a mini-program (tests, Node)
    const app = getApp();
    if (!app) return; // before App() has run
    if (!app.globalData) app.globalData = {};
    app.globalData.token = token; // in place: pages may hold a reference to globalData
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

/** The client plus the seed's login flow around it. */
export interface Api {
  client: Client;
  /** The API's origin (config/env.ts): what wx.uploadFile posts to and image paths hang off. */
  baseUrl: string;
  tokens: TokenStore;
  /** wx.login → POST /v1/auth/login {code} → store the token; concurrent calls share one. */
  login(): Promise<string>;
  /** The stored token, or login() when there is none. */
  ensureLogin(): Promise<string>;
  /** POST /v1/auth/logout, then forget the token (a 401 counts as done). */
  logout(): Promise<void>;
}

export function createApi(options: { wx: WxLike; baseUrl: string; tokens?: TokenStore; timeoutMs?: number }): Api {
  const w = options.wx;
  const tokens = options.tokens ?? wxTokenStore(w);
  const timeoutMs = options.timeoutMs ?? REQUEST_TIMEOUT_MS;
  let pending: Promise<string> | undefined;

  const wxLogin = (): Promise<string> =>
    new Promise((resolve, reject) => {
      w.login({
        timeout: timeoutMs,
        success: (res) => resolve(res.code),
        fail: (err) => reject(new ApiError({ status: 0, code: 'network_error', detail: err.errMsg })),
      });
    });

  const login = (): Promise<string> => {
    // Sent without a token and never retried on 401: that 401 is `invalid_code`.
    pending ??= wxLogin()
      .then((code) => client.request('/v1/auth/login', 'post', { body: { code }, auth: false }))
      .then((res) => {
        tokens.set(res.token);
        return res.token;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };

  const client: Client = createClient<paths>({
    baseUrl: options.baseUrl,
    timeoutMs,
    request: (o) => w.request(o),
    // While a login is in flight, requests wait for its token.
    getToken: () => pending ?? tokens.get(),
    login,
  });

  return {
    client,
    baseUrl: options.baseUrl,
    tokens,
    login,
    ensureLogin: () => pending ?? Promise.resolve(tokens.get() ?? login()),
    async logout() {
      try {
        await client.request('/v1/auth/logout', 'post', { relogin: false });
      } catch (err) {
        if (!(err instanceof ApiError && err.status === 401)) throw err;
      } finally {
        tokens.clear();
      }
    },
  };
}

// ---- The app's instance -----------------------------------------------------------------

let current: Api | undefined;

/** The app's Api; app.ts sets it at launch (setApi). */
export function getApi(): Api {
  if (!current) throw new Error('wxmp: the API is not set up yet (app.ts onLaunch calls setApi)');
  return current;
}

/** The app's client, for pages. */
export function getClient(): Client {
  return getApi().client;
}

/** Set (or, with undefined, reset) the app's Api: app.ts at launch, tests with a scripted wx. */
export function setApi(api: Api | undefined): void {
  current = api;
}
