/** wx.request has no PATCH, so neither does the client. */
export type HttpMethod = 'get' | 'put' | 'post' | 'delete';
/** Any `paths` interface openapi-typescript writes. */
export type AnyPaths = object;
/** The methods `P[path]` defines (openapi-typescript writes `?: never` for the others). */
export type MethodOf<P, K extends keyof P> = {
    [M in HttpMethod]: M extends keyof P[K] ? ([Exclude<P[K][M], undefined>] extends [never] ? never : M) : never;
}[HttpMethod];
export type OperationOf<P, K extends keyof P, M extends HttpMethod> = M extends keyof P[K] ? Exclude<P[K][M], undefined> : never;
type NonEmpty<T> = [Exclude<T, undefined>] extends [never] ? false : true;
/** path / query / header parameters, dropping the kinds the operation does not have. */
type ParamsOf<O> = O extends {
    parameters: infer P;
} ? {
    [K in keyof P as K extends 'cookie' ? never : NonEmpty<P[K]> extends true ? K : never]: P[K];
} : never;
type BodyOf<O> = O extends {
    requestBody: {
        content: {
            'application/json': infer B;
        };
    };
} ? {
    body: B;
} : O extends {
    requestBody?: {
        content: {
            'application/json': infer B;
        };
    };
} ? {
    body?: B;
} : {
    body?: undefined;
};
type RequiredKeys<T> = {
    [K in keyof T]-?: {} extends Pick<T, K> ? never : K;
}[keyof T];
type ParamsInit<O> = RequiredKeys<ParamsOf<O>> extends never ? {
    params?: ParamsOf<O>;
} : {
    params: ParamsOf<O>;
};
export type RequestInit<O> = ParamsInit<O> & BodyOf<O> & {
    /** false: send no token (and so never log in again): the login call itself. Default true. */
    auth?: boolean;
    /** false: throw a 401 instead of logging in again (logout, say). Default true. */
    relogin?: boolean;
};
export type InitArgs<O> = RequiredKeys<RequestInit<O>> extends never ? [init?: RequestInit<O>] : [init: RequestInit<O>];
type SuccessStatus = 200 | 201 | 202 | 203 | 204 | 205 | 206;
type JsonOf<R> = R extends {
    content: {
        'application/json': infer B;
    };
} ? B : undefined;
/** The body of the operation's 2xx answer; undefined for 204. */
export type SuccessOf<O> = O extends {
    responses: infer R;
} ? {
    [S in keyof R]: S extends SuccessStatus ? JsonOf<R[S]> : never;
}[keyof R] : never;
export interface Client<P extends AnyPaths> {
    /** One operation of `P`, typed by its path and method: params, body and the 2xx body. */
    request<K extends keyof P & string, M extends MethodOf<P, K>>(path: K, method: M, ...init: InitArgs<OperationOf<P, K, M>>): Promise<SuccessOf<OperationOf<P, K, M>>>;
}
/** What wx.request hands to `success`. */
export interface WxResponse {
    statusCode: number;
    data: unknown;
    header: Record<string, unknown>;
}
/** The options of wx.request the client sets; the real `wx.request` accepts them. */
export interface WxRequestOptions {
    url: string;
    method: 'GET' | 'POST' | 'PUT' | 'DELETE';
    header: Record<string, string>;
    data?: string;
    dataType: 'json';
    responseType: 'text';
    timeout: number;
    success(res: WxResponse): void;
    fail(err: {
        errMsg: string;
    }): void;
}
/** `wx.request` itself, or a stand-in (Node, tests). */
export type WxRequest = (options: WxRequestOptions) => unknown;
export interface ClientOptions {
    /** The API's origin and base path, e.g. "https://api.example.com". */
    baseUrl: string;
    /**
     * The bearer token to send, if any, read before every request. A promise means a login
     * is in flight: the request waits for its token instead of sending the old one.
     */
    getToken?: () => string | undefined | Promise<string | undefined>;
    /**
     * Logs in again and resolves with the new token; called once when a request with a
     * token is answered 401 `unauthorized`, shared by concurrent 401s; the request is
     * then retried once. Absent: a 401 is thrown.
     */
    login?: () => Promise<string>;
    /** Per-request timeout in ms (wx.request's `timeout`). Default 15000. */
    timeoutMs?: number;
    /** Default: the global `wx.request`. */
    request?: WxRequest;
    /**
     * A 429 or 503 with `Retry-After` of at most this many ms is retried once after
     * waiting that long; longer ones are thrown with `retryAfter`. Default 5000; 0: never.
     */
    maxRetryAfterMs?: number;
    /** How the client waits for Retry-After (tests pass their own). Default setTimeout. */
    sleep?: (ms: number) => Promise<void>;
}
export {};
