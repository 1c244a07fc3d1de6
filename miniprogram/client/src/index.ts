/**
 * @wxmp/wx-client: a typed API client for mini-programs over `wx.request`, driven by the
 * `paths` that openapi-typescript generates from an OpenAPI document.
 *
 *   import { createClient } from '@wxmp/wx-client';
 *   import type { paths } from './schema'; // openapi-typescript openapi.yaml -o schema.d.ts
 *   const api = createClient<paths>({ baseUrl, getToken, login, timeoutMs: 15000 });
 *   const order = await api.request('/v1/orders/{orderId}', 'get', { params: { path: { orderId } } });
 *
 * - Every failure is an `ApiError` with a stable `code`: the server's RFC 9457 problem `code`,
 *   or `network_error` (no HTTP answer: offline, timeout, domain not whitelisted; status 0) or
 *   `invalid_response` (an answer that is neither a success body nor a problem).
 * - A 401 `unauthorized` to a request that carried a token calls `login()` once (shared by
 *   concurrent 401s) and retries the request once with the new token.
 * - A 429 or 503 with a short `Retry-After` is retried once after waiting; both mean the
 *   server did not act on the request.
 * - Query arrays are sent exploded (`status=paid&status=refunded`), OpenAPI's default.
 *
 * It knows nothing of any app: no config, storage or getApp(); the caller passes them in.
 */
import type { AnyPaths, Client, ClientOptions, HttpMethod, WxRequest, WxResponse } from './types';

export type * from './types';

/** The client's own codes, for failures without a problem document. */
export type ClientErrorCode = 'network_error' | 'invalid_response';

/** An RFC 9457 problem document as the client reads it. */
export interface ProblemLike {
  type?: string;
  title?: string;
  status: number;
  code: string;
  detail?: string;
  [extension: string]: unknown;
}

export class ApiError<Code extends string = string> extends Error {
  /** HTTP status; 0 when there was no HTTP answer (`network_error`). */
  readonly status: number;
  readonly code: Code | ClientErrorCode;
  /** For people; show it, never branch on it. */
  readonly detail: string;
  /** Seconds from `Retry-After` (429, 503), when the server sent one. */
  readonly retryAfter?: number;
  /** The server's problem document, when there was one. */
  readonly problem?: ProblemLike;

  constructor(init: { status: number; code: Code | ClientErrorCode; detail: string; retryAfter?: number; problem?: ProblemLike }) {
    super(`${init.code}: ${init.detail}`);
    this.name = 'ApiError';
    this.status = init.status;
    this.code = init.code;
    this.detail = init.detail;
    this.retryAfter = init.retryAfter;
    this.problem = init.problem;
  }
}

interface RawInit {
  params?: { path?: Record<string, unknown>; query?: Record<string, unknown>; header?: Record<string, unknown> };
  body?: unknown;
  auth?: boolean;
  relogin?: boolean;
}

const enc = encodeURIComponent;

/** The query string (no '?'): arrays exploded, undefined and null left out. */
export function serializeQuery(query: Record<string, unknown> = {}): string {
  const pairs: string[] = [];
  for (const [k, v] of Object.entries(query)) {
    for (const item of Array.isArray(v) ? v : [v]) {
      if (item !== undefined && item !== null) pairs.push(`${enc(k)}=${enc(String(item))}`);
    }
  }
  // Built by hand: the mini-program runtime has no URLSearchParams.
  return pairs.join('&');
}

function buildUrl(baseUrl: string, path: string, params: RawInit['params']): string {
  const filled = path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = params?.path?.[name];
    if (value === undefined) throw new Error(`wx-client: missing path parameter ${name} for ${path}`);
    return enc(String(value));
  });
  const query = serializeQuery(params?.query);
  return baseUrl.replace(/\/+$/, '') + filled + (query ? `?${query}` : '');
}

function headerValue(header: Record<string, unknown>, name: string): string | undefined {
  // wx keeps the server's spelling of header names (and HTTP/2 lower-cases them).
  const key = Object.keys(header ?? {}).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : String(header[key]);
}

function isProblem(data: unknown): data is ProblemLike {
  const p = data as Partial<ProblemLike> | null;
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
  // Seconds only; the HTTP-date form is not sent by the API.
  const header = headerValue(res.header, 'Retry-After');
  const retry = header === undefined || header.trim() === '' ? NaN : Number(header);
  const retryAfter = Number.isFinite(retry) && retry >= 0 ? retry : undefined;
  if (!isProblem(data)) {
    return new ApiError({ status: res.statusCode, code: 'invalid_response', detail: `HTTP ${res.statusCode} without a problem document`, retryAfter });
  }
  return new ApiError({ status: res.statusCode, code: data.code, detail: data.detail ?? data.title ?? data.code, retryAfter, problem: data });
}

// The mini-program's globals (absent in Node, hence the typeof check); declared here so
// that the package needs neither the wx typings nor Node's.
declare const wx: { request: WxRequest } | undefined;
declare function setTimeout(callback: () => void, ms: number): unknown;

export function createClient<P extends AnyPaths>(options: ClientOptions): Client<P> {
  const transport: WxRequest =
    options.request ??
    ((o) => {
      if (typeof wx === 'undefined' || !wx) throw new Error('wx-client: no global wx; pass `request` outside a mini-program');
      return wx.request(o);
    });
  const timeout = options.timeoutMs ?? 15000;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 5000;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  // One login at a time: concurrent 401s all wait for the same one.
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
      transport({
        url,
        method: method.toUpperCase() as Uppercase<HttpMethod>,
        header,
        data,
        dataType: 'json',
        responseType: 'text',
        timeout,
        success(res) {
          if (res.statusCode < 200 || res.statusCode > 299) return reject(errorFromResponse(res));
          if (res.statusCode === 204) return resolve(undefined);
          if (typeof res.data !== 'object' || res.data === null) {
            return reject(new ApiError({ status: res.statusCode, code: 'invalid_response', detail: `HTTP ${res.statusCode} without a JSON body` }));
          }
          resolve(res.data);
        },
        fail(err) {
          reject(new ApiError({ status: 0, code: 'network_error', detail: err?.errMsg ?? 'request failed' }));
        },
      });
    });
  }

  /** send, and once more after a short Retry-After on 429/503. */
  async function sendPolitely(method: HttpMethod, path: string, init: RawInit, token: string | undefined): Promise<unknown> {
    try {
      return await send(method, path, init, token);
    } catch (err) {
      const wait = err instanceof ApiError && (err.status === 429 || err.status === 503) && err.retryAfter !== undefined ? err.retryAfter * 1000 : -1;
      if (wait < 0 || wait > maxRetryAfterMs) throw err;
      await sleep(wait);
      return send(method, path, init, token);
    }
  }

  function relogin(login: () => Promise<string>): Promise<string> {
    pendingLogin ??= login().finally(() => {
      pendingLogin = undefined;
    });
    return pendingLogin;
  }

  async function call(method: HttpMethod, path: string, init: RawInit = {}): Promise<unknown> {
    const auth = init.auth ?? true;
    // A login in flight is about to replace the token; sending the old one would only earn a 401.
    if (auth && pendingLogin) await pendingLogin.catch(() => undefined);
    const sent = auth ? await options.getToken?.() : undefined;
    try {
      return await sendPolitely(method, path, init, sent);
    } catch (err) {
      const login = options.login;
      if (!auth || init.relogin === false || !login || !(err instanceof ApiError) || err.status !== 401 || err.code !== 'unauthorized') throw err;
      // If another request already logged in again while this one was out, use its token.
      const current = await options.getToken?.();
      const token = current !== undefined && current !== sent ? current : await relogin(login);
      return sendPolitely(method, path, init, token); // once: a second 401 is the caller's
    }
  }

  return {
    request: ((path: string, method: HttpMethod, init?: RawInit) => call(method, path, init)) as Client<P>['request'],
  };
}
