// A scripted stand-in for the parts of `wx` the client uses. A test routes requests to a
// handler that plays the server; every request and wx.login is recorded so the test can
// count them. Answers arrive asynchronously, as from the real wx.request.
import type { WxLike } from '../../src/api/index';
import type { WxResponse } from '@wxmp/wx-client';

type RequestOptions = Parameters<WxLike['request']>[0];

export interface Sent {
  method: string;
  url: string;
  /** Path and query, without scheme and host. */
  path: string;
  header: Record<string, string>;
  body: unknown;
}

/** What the handler answers: an HTTP response, or a wx.request failure (no answer). */
export type Reply = { status: number; body?: unknown; header?: Record<string, string> } | { fail: string };

export type Handler = (req: Sent) => Reply | Promise<Reply>;

export const BASE = 'https://api.test';

export function problem(status: number, code: string, extra: Record<string, unknown> = {}): Reply {
  return {
    status,
    header: { 'Content-Type': 'application/problem+json' },
    body: { type: `urn:wxmp:problem:${code}`, title: 'Problem', status, code, detail: `because ${code}`, ...extra },
  };
}

export function json(status: number, body: unknown): Reply {
  return { status, header: { 'Content-Type': 'application/json' }, body };
}

export class FakeWx implements WxLike {
  readonly sent: Sent[] = [];
  readonly storage = new Map<string, string>();
  logins = 0;
  /** When set, wx.login fails with this errMsg. */
  loginFails?: string;

  constructor(private handler: Handler) {}

  /** The timeout of every wx.request and wx.login call, in order. */
  readonly timeouts: (number | undefined)[] = [];

  request(options: RequestOptions): void {
    this.timeouts.push(options.timeout);
    const req: Sent = {
      method: options.method,
      url: options.url,
      path: options.url.replace(/^https?:\/\/[^/]+/, ''),
      header: options.header,
      body: options.data === undefined ? undefined : JSON.parse(options.data),
    };
    this.sent.push(req);
    void Promise.resolve(req)
      .then(this.handler)
      .then((reply) => {
        if ('fail' in reply) return options.fail({ errMsg: reply.fail });
        // wx.request with dataType 'json' hands back parsed JSON, or '' for an empty body.
        const res: WxResponse = { statusCode: reply.status, data: reply.body ?? '', header: reply.header ?? {} };
        options.success(res);
      });
  }

  login(options: Parameters<WxLike['login']>[0]): void {
    this.logins += 1;
    this.timeouts.push(options.timeout);
    const n = this.logins;
    void Promise.resolve().then(() =>
      this.loginFails ? options.fail({ errMsg: this.loginFails }) : options.success({ code: `code-${n}` }),
    );
  }

  getStorageSync(key: string): unknown {
    return this.storage.get(key) ?? ''; // wx answers '' for a missing key
  }

  setStorageSync(key: string, value: string): void {
    this.storage.set(key, value);
  }

  removeStorageSync(key: string): void {
    this.storage.delete(key);
  }

  /** Requests sent to a path (method and path, e.g. 'POST /v1/auth/login'). */
  count(route: string): number {
    return this.sent.filter((r) => `${r.method} ${r.path}` === route).length;
  }
}

/** A promise the test settles by hand, to hold an answer until it wants it delivered. */
export function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
