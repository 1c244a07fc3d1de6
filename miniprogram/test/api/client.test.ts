// The transport over a scripted wx: what it sends, how it reads answers, and how it logs
// in again when the server says the token is no good.
import { ApiError, createClient } from '@wxmp/wx-client';
import { createApi, getApi, getClient, setApi, type Api, type Client, type Order } from '../../src/api/index';
import type { paths } from '../../src/api/schema';
import { BASE, FakeWx, deferred, json, problem, type Handler, type Reply, type Sent } from './fake-wx';

const ORDER_ID = '6f1c1b0e-9a57-4c39-9a55-0d1f2a3b4c5d';

const user = { id: '0b6b2b7e-2f59-4a8e-8d4e-2b1f3c4d5e6f', openid: 'o-alice', created_at: '2026-01-01T00:00:00Z' };

const order: Order = {
  id: ORDER_ID,
  out_trade_no: '20260101abc',
  status: 'pending',
  items: [],
  total_fen: 2560,
  refunded_fen: 0,
  currency: 'CNY',
  description: 'wxmp order',
  created_at: '2026-01-01T00:00:00Z',
  expires_at: '2026-01-01T00:30:00Z',
};

/**
 * Plays a server that knows which tokens are valid: login with `code-N` (from the fake
 * wx.login) gives `fresh-N`; authenticated paths accept only valid tokens. `routes` answers
 * the rest by "METHOD path".
 */
function server(valid: Set<string>, routes: Record<string, (req: Sent) => Reply | Promise<Reply>> = {}): Handler {
  return (req) => {
    if (req.method === 'POST' && req.path === '/v1/auth/login') {
      const { code } = req.body as { code: string };
      if (!code.startsWith('code-')) return problem(401, 'invalid_code');
      const token = `fresh-${code.slice('code-'.length)}`;
      valid.add(token);
      return json(200, { token, token_type: 'Bearer', expires_at: '2026-01-08T00:00:00Z', user });
    }
    const auth = req.header.Authorization ?? '';
    if (!valid.has(auth.replace(/^Bearer /, ''))) return problem(401, 'unauthorized');
    const route = routes[`${req.method} ${req.path}`];
    return route ? route(req) : json(200, user);
  };
}

function setup(handler: Handler, opts: { token?: string } = {}): { wx: FakeWx; client: Client; api: Api } {
  const wx = new FakeWx(handler);
  if (opts.token) wx.storage.set('token', opts.token);
  const api = createApi({ wx, baseUrl: BASE });
  return { wx, client: api.client, api };
}

async function caught(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected an ApiError, but the call succeeded');
}

describe('requests', () => {
  test('carries the stored token as a bearer token', async () => {
    const { wx, client, api } = setup(server(new Set(['t1'])), { token: 't1' });
    await expect(client.request('/v1/me', 'get')).resolves.toEqual(user);
    expect(wx.sent).toHaveLength(1);
    expect(wx.sent[0]).toMatchObject({ method: 'GET', url: `${BASE}/v1/me`, header: { Authorization: 'Bearer t1' } });
  });

  test('sends no Authorization header when there is no token', async () => {
    const { wx, client, api } = setup(() => json(200, { items: [] }));
    await client.request('/v1/products', 'get');
    expect(wx.sent[0].header).not.toHaveProperty('Authorization');
  });

  test('fills path parameters, skips absent query parameters and sends JSON bodies', async () => {
    const { wx, client, api } = setup(() => json(201, { order }), { token: 't1' });
    await client.request('/v1/orders/{orderId}', 'get', { params: { path: { orderId: 'a/b c' } } });
    await client.request('/v1/orders', 'get', { params: { query: { limit: 5 } } });
    await client.request('/v1/orders', 'get', { params: { query: { cursor: 'next page' } } });
    await client.request('/v1/orders', 'post', { body: { items: [{ product_id: 'p1', quantity: 2 }] }, params: { header: { 'Idempotency-Key': 'key-1' } } });
    await client.request('/v1/orders', 'post', { body: { items: [{ product_id: 'p1', quantity: 1 }] } });
    expect(wx.sent.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /v1/orders/a%2Fb%20c',
      'GET /v1/orders?limit=5',
      'GET /v1/orders?cursor=next%20page',
      'POST /v1/orders',
      'POST /v1/orders',
    ]);
    expect(wx.sent[3].header).toMatchObject({ 'Content-Type': 'application/json', 'Idempotency-Key': 'key-1' });
    expect(wx.sent[3].body).toEqual({ items: [{ product_id: 'p1', quantity: 2 }] });
    expect(wx.sent[4].header).not.toHaveProperty('Idempotency-Key');
  });

  test('refreshOrder POSTs to /v1/orders/{id}/refresh without a body and resolves to the Order', async () => {
    const paid: Order = { ...order, status: 'paid', paid_at: '2026-01-01T00:01:00Z' };
    const { wx, client, api } = setup(server(new Set(['t1']), { [`POST /v1/orders/${ORDER_ID}/refresh`]: () => json(200, paid) }), {
      token: 't1',
    });
    await expect(client.request('/v1/orders/{orderId}/refresh', 'post', { params: { path: { orderId: ORDER_ID } } })).resolves.toEqual(paid);
    expect(wx.sent).toHaveLength(1);
    expect(wx.sent[0]).toMatchObject({
      method: 'POST',
      url: `${BASE}/v1/orders/${ORDER_ID}/refresh`,
      header: { Authorization: 'Bearer t1' },
      body: undefined,
    });
    expect(wx.sent[0].header).not.toHaveProperty('Content-Type');
  });

  test('a 204 resolves to undefined', async () => {
    const { client, api } = setup(() => ({ status: 204 }));
    await expect(client.request('/v1/auth/logout', 'post')).resolves.toBeUndefined();
  });
});

describe('errors', () => {
  test('a problem document becomes an ApiError with its code', async () => {
    const { client, api } = setup(() => problem(503, 'wechatpay_unavailable', { order_id: ORDER_ID }), { token: 't1' });
    const err = await caught(client.request('/v1/orders/{orderId}/pay', 'post', { params: { path: { orderId: ORDER_ID } } }));
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({
      name: 'ApiError',
      status: 503,
      code: 'wechatpay_unavailable',
      detail: 'because wechatpay_unavailable',
    });
    expect(err.problem?.order_id).toBe(ORDER_ID);
    expect(err.problem?.type).toBe('urn:wxmp:problem:wechatpay_unavailable');
  });

  test('Retry-After is read whatever its spelling', async () => {
    const rateLimited = problem(429, 'rate_limited');
    const { client, api } = setup(() => ({ ...rateLimited, header: { 'retry-after': '7' } }));
    expect(await caught(client.request('/v1/auth/login', 'post', { body: { code: 'c' }, auth: false }))).toMatchObject({ code: 'rate_limited', retryAfter: 7 });
  });

  test('a short Retry-After on 429 or 503 is waited for once, then the request is sent again', async () => {
    for (const status of [429, 503]) {
      const waits: number[] = [];
      const wx = new FakeWx(((n = 0) => () => (n++ === 0 ? { ...problem(status, 'rate_limited'), header: { 'Retry-After': '2' } } : json(200, { items: [] })))());
      const c = createClient<paths>({ baseUrl: BASE, request: (o) => wx.request(o), sleep: async (ms) => void waits.push(ms) });
      await expect(c.request('/v1/products', 'get')).resolves.toEqual({ items: [] });
      expect(waits).toEqual([2000]);
      expect(wx.count('GET /v1/products')).toBe(2);
    }
  });

  test('Retry-After is honoured once: a second refusal is thrown', async () => {
    const waits: number[] = [];
    const wx = new FakeWx(() => ({ ...problem(503, 'wechat_unavailable'), header: { 'Retry-After': '1' } }));
    const c = createClient<paths>({ baseUrl: BASE, request: (o) => wx.request(o), sleep: async (ms) => void waits.push(ms) });
    expect(await caught(c.request('/v1/products', 'get'))).toMatchObject({ status: 503, retryAfter: 1 });
    expect(waits).toEqual([1000]);
    expect(wx.count('GET /v1/products')).toBe(2);
  });

  test('a long Retry-After, or none, is not waited for', async () => {
    for (const header of [{ 'Retry-After': '7' }, {} as Record<string, string>]) {
      const wx = new FakeWx(() => ({ ...problem(429, 'rate_limited'), header }));
      const c = createClient<paths>({ baseUrl: BASE, request: (o) => wx.request(o), sleep: () => Promise.reject(new Error('waited')) });
      expect(await caught(c.request('/v1/products', 'get'))).toMatchObject({ status: 429 });
      expect(wx.count('GET /v1/products')).toBe(1);
    }
  });

  test('an error answer that is not a problem is invalid_response', async () => {
    const { client, api } = setup(() => ({ status: 502, body: '<html>Bad Gateway</html>' }));
    expect(await caught(client.request('/v1/products', 'get'))).toMatchObject({ status: 502, code: 'invalid_response' });
  });

  test('a success answer without a JSON body is invalid_response', async () => {
    const { client, api } = setup(() => ({ status: 200, body: 'not json' }));
    expect(await caught(client.request('/v1/products', 'get'))).toMatchObject({ status: 200, code: 'invalid_response' });
  });

  test('no answer at all is network_error', async () => {
    const { client, api } = setup(() => ({ fail: 'request:fail timeout' }));
    expect(await caught(client.request('/v1/products', 'get'))).toMatchObject({ status: 0, code: 'network_error', detail: 'request:fail timeout' });
  });

  test('a failing wx.login is network_error', async () => {
    const { wx, client, api } = setup(server(new Set()));
    wx.loginFails = 'login:fail offline';
    expect(await caught(api.ensureLogin())).toMatchObject({ status: 0, code: 'network_error', detail: 'login:fail offline' });
  });
});

describe('login', () => {
  test('login() exchanges wx.login\'s code and stores the token it gets', async () => {
    const { wx, api } = setup(server(new Set()));
    await expect(api.login()).resolves.toBe('fresh-1');
    expect(wx.storage.get('token')).toBe('fresh-1');
    expect(api.tokens.get()).toBe('fresh-1');
    expect(wx.sent[0]).toMatchObject({ method: 'POST', path: '/v1/auth/login', body: { code: 'code-1' } });
    expect(wx.sent[0].header).not.toHaveProperty('Authorization');
  });

  test('ensureLogin keeps a stored token without calling wx.login', async () => {
    const { wx, client, api } = setup(server(new Set()), { token: 't1' });
    await expect(api.ensureLogin()).resolves.toBe('t1');
    expect(wx.logins).toBe(0);
    expect(wx.sent).toHaveLength(0);
  });

  test('concurrent ensureLogin calls share one login', async () => {
    const { wx, client, api } = setup(server(new Set()));
    const tokens = await Promise.all([api.ensureLogin(), api.ensureLogin(), api.ensureLogin()]);
    expect(tokens).toEqual(['fresh-1', 'fresh-1', 'fresh-1']);
    expect(wx.logins).toBe(1);
    expect(wx.count('POST /v1/auth/login')).toBe(1);
  });

  test('invalid_code from login surfaces at once instead of looping', async () => {
    const { wx, client, api } = setup(() => problem(401, 'invalid_code'));
    expect(await caught(api.ensureLogin())).toMatchObject({ status: 401, code: 'invalid_code' });
    expect(wx.logins).toBe(1);
    expect(wx.count('POST /v1/auth/login')).toBe(1);
  });

  test('logout forgets the token, and a 401 from it counts as logged out', async () => {
    const valid = new Set(['t1']);
    const { wx, client, api } = setup(server(valid, { 'POST /v1/auth/logout': () => ({ status: 204 }) }), { token: 't1' });
    await api.logout();
    expect(wx.storage.has('token')).toBe(false);

    wx.storage.set('token', 'revoked');
    await expect(api.logout()).resolves.toBeUndefined();
    expect(wx.storage.has('token')).toBe(false);
    expect(wx.logins).toBe(0); // logging in again to log out would be absurd
  });
});

describe('401 unauthorized', () => {
  test('logs in again once and retries the request once', async () => {
    const { wx, client, api } = setup(server(new Set()), { token: 'stale' });
    await expect(client.request('/v1/me', 'get')).resolves.toEqual(user);
    expect(wx.logins).toBe(1);
    expect(wx.sent.map((r) => `${r.method} ${r.path} ${r.header.Authorization ?? '-'}`)).toEqual([
      'GET /v1/me Bearer stale',
      'POST /v1/auth/login -',
      'GET /v1/me Bearer fresh-1',
    ]);
    expect(wx.storage.get('token')).toBe('fresh-1');
  });

  test('two concurrent 401s share one login', async () => {
    const { wx, client, api } = setup(server(new Set(), { [`GET /v1/orders/${ORDER_ID}`]: () => json(200, order) }), { token: 'stale' });
    const [me, got] = await Promise.all([client.request('/v1/me', 'get'), client.request('/v1/orders/{orderId}', 'get', { params: { path: { orderId: ORDER_ID } } })]);
    expect(me).toEqual(user);
    expect(got).toEqual(order);
    expect(wx.logins).toBe(1);
    expect(wx.count('POST /v1/auth/login')).toBe(1);
    expect(wx.count('GET /v1/me')).toBe(2);
    expect(wx.count(`GET /v1/orders/${ORDER_ID}`)).toBe(2);
  });

  test('a 401 that arrives after another request logged in again reuses the new token', async () => {
    const held = deferred<Reply>();
    const valid = new Set<string>();
    const base = server(valid);
    // The first /v1/me answer is held back until the other request has logged in again.
    let firstMe = true;
    const { wx, client, api } = setup(
      (req) => {
        if (req.path === '/v1/me' && firstMe) {
          firstMe = false;
          return held.promise;
        }
        return base(req);
      },
      { token: 'stale' },
    );
    const slow = client.request('/v1/me', 'get');
    await client.request('/v1/orders', 'get'); // meanwhile this one got its 401, logged in again and retried
    expect(wx.logins).toBe(1);
    held.resolve(problem(401, 'unauthorized'));
    await expect(slow).resolves.toEqual(user);
    expect(wx.logins).toBe(1);
    expect(wx.sent.filter((r) => r.path === '/v1/me').map((r) => r.header.Authorization)).toEqual(['Bearer stale', 'Bearer fresh-1']);
  });

  test('a second 401 surfaces', async () => {
    // Login works, but the server refuses every token (say, the user's sessions are revoked).
    const { wx, client, api } = setup((req) =>
      req.path === '/v1/auth/login' ? json(200, { token: 'fresh', token_type: 'Bearer', expires_at: '2026-01-08T00:00:00Z', user }) : problem(401, 'unauthorized'),
    );
    expect(await caught(client.request('/v1/me', 'get'))).toMatchObject({ status: 401, code: 'unauthorized' });
    expect(wx.logins).toBe(1);
    expect(wx.count('GET /v1/me')).toBe(2);
  });

  test('a login that fails while re-logging in surfaces its own error', async () => {
    const { wx, client, api } = setup((req) => (req.path === '/v1/auth/login' ? problem(403, 'user_blocked') : problem(401, 'unauthorized')), { token: 'stale' });
    expect(await caught(client.request('/v1/me', 'get'))).toMatchObject({ status: 403, code: 'user_blocked' });
    expect(wx.logins).toBe(1);
    expect(wx.count('GET /v1/me')).toBe(1);
  });

  test('other 401 codes are not retried', async () => {
    // Through the generic request, which does retry `unauthorized`.
    const { wx, client, api } = setup(() => problem(401, 'invalid_code'), { token: 't1' });
    expect(await caught(client.request('/v1/auth/login', 'post', { body: { code: 'bad' } }))).toMatchObject({ code: 'invalid_code' });
    expect(wx.logins).toBe(0);
    expect(wx.sent).toHaveLength(1);
  });

  test('a call made while a login is in flight waits for its token', async () => {
    const { wx, client, api } = setup(server(new Set()));
    const [token, me] = await Promise.all([api.ensureLogin(), client.request('/v1/me', 'get')]);
    expect(me).toEqual(user);
    expect(wx.sent.map((r) => `${r.method} ${r.path} ${r.header.Authorization ?? '-'}`)).toEqual([
      'POST /v1/auth/login -',
      `GET /v1/me Bearer ${token}`,
    ]);
  });

  test('a client without login surfaces the first 401', async () => {
    const wx = new FakeWx(server(new Set()));
    const client = createClient<paths>({ baseUrl: BASE, request: (o) => wx.request(o), getToken: () => 'stale' });
    expect(await caught(client.request('/v1/me', 'get'))).toMatchObject({ status: 401, code: 'unauthorized' });
    expect(wx.logins).toBe(0);
    expect(wx.sent).toHaveLength(1);
  });

  test('relogin: false on one call overrides the client', async () => {
    const { wx, client, api } = setup(server(new Set()), { token: 'stale' });
    expect(await caught(client.request('/v1/me', 'get', { relogin: false }))).toMatchObject({ code: 'unauthorized' });
    expect(wx.logins).toBe(0);
  });
});

describe('the app\'s Api', () => {
  const g = globalThis as { getApp?: unknown };
  afterEach(() => {
    delete g.getApp;
    setApi(undefined);
  });

  test('says so when used before app.ts set it up', () => {
    expect(() => getClient()).toThrow(/not set up/);
  });

  test('pages get the client app.ts set up', async () => {
    const wx = new FakeWx(() => json(200, { items: [] }));
    setApi(createApi({ wx, baseUrl: BASE }));
    await getClient().request('/v1/products', 'get');
    expect(getApi().client).toBe(getClient());
    expect(wx.sent[0].url).toBe(`${BASE}/v1/products`);
  });

  test('every request and wx.login carries a timeout of 15 s', async () => {
    const wx = new FakeWx(server(new Set()));
    const api = createApi({ wx, baseUrl: BASE });
    await api.ensureLogin();
    await api.client.request('/v1/me', 'get');
    expect(wx.timeouts).toEqual([15000, 15000, 15000]);
  });

  test('mirrors the token into getApp().globalData when an App exists', async () => {
    const globalData: Record<string, unknown> = { other: 1 };
    const app = { globalData };
    g.getApp = () => app;
    const api = createApi({ wx: new FakeWx(server(new Set(), { 'POST /v1/auth/logout': () => ({ status: 204 }) })), baseUrl: BASE });
    await api.ensureLogin();
    expect(app.globalData).toBe(globalData); // the same object, which pages may hold
    expect(globalData).toEqual({ other: 1, token: 'fresh-1' });
    await api.logout();
    expect(globalData.token).toBeUndefined();
  });
});

describe('query strings', () => {
  test('arrays are exploded, undefined and null left out, everything encoded', async () => {
    const { serializeQuery } = await import('@wxmp/wx-client');
    expect(serializeQuery({ status: ['paid', 'late_paid'], cursor: undefined, q: 'a&b c', n: null, limit: 5 })).toBe(
      'status=paid&status=late_paid&q=a%26b%20c&limit=5',
    );
    expect(serializeQuery({})).toBe('');
  });
});
