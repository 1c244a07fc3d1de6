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
import type { AnyPaths, Client, ClientOptions } from './types';
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
export declare class ApiError<Code extends string = string> extends Error {
    /** HTTP status; 0 when there was no HTTP answer (`network_error`). */
    readonly status: number;
    readonly code: Code | ClientErrorCode;
    /** For people; show it, never branch on it. */
    readonly detail: string;
    /** Seconds from `Retry-After` (429, 503), when the server sent one. */
    readonly retryAfter?: number;
    /** The server's problem document, when there was one. */
    readonly problem?: ProblemLike;
    constructor(init: {
        status: number;
        code: Code | ClientErrorCode;
        detail: string;
        retryAfter?: number;
        problem?: ProblemLike;
    });
}
/** The query string (no '?'): arrays exploded, undefined and null left out. */
export declare function serializeQuery(query?: Record<string, unknown>): string;
export declare function createClient<P extends AnyPaths>(options: ClientOptions): Client<P>;
