// The generated client against the real Go server: the seed journey a user makes in the
// mini-program (log in, look, order, pay, see it paid, log out), run in Node with a `wx`
// backed by the server's WeChat emulator. Every answer is checked against openapi.yaml.
// Also: with every payment notification dropped (an emulator fault), one POST /refresh
// finds the payment by asking WeChat Pay itself.
import { resolve } from 'path';
import { createClient } from '@wxmp/wx-client';
import { ApiError, createApi, type Api, type Order } from '../../src/api/index';
import type { paths } from '../../src/api/schema';
import { Contract } from './contract';
import { NodeWx, requestPayment } from './node-wx';
import { REPO_ROOT, startServer, type Server } from './server';

const PAID_WITHIN_MS = 20_000;

// Starting the server (an embedded PostgreSQL, migrations) takes seconds on a cold, busy machine.
jest.setTimeout(240_000);

let server: Server;
const contract = new Contract(resolve(REPO_ROOT, 'openapi.yaml'));
const shims: NodeWx[] = [];

beforeAll(async () => {
  server = await startServer();
});

afterAll(async () => {
  await server?.stop();
});

afterEach(() => {
  // The contract is checked on every answer any shim received during the test.
  for (const wx of shims) expect(wx.violations).toEqual([]);
  shims.length = 0;
});

function newWx(user = 'e2e-alice'): NodeWx {
  const wx = new NodeWx(server.emulator, contract, user);
  shims.push(wx);
  return wx;
}

async function rejection(p: Promise<unknown>): Promise<ApiError> {
  const err = await p.then(
    () => new Error('expected an ApiError, but the call succeeded'),
    (e: unknown) => e,
  );
  if (!(err instanceof ApiError)) throw err;
  return err;
}

/** A call to the emulator's control API (/emulator/...); its JSON answer, or undefined for 204. */
async function emulator(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(server.emulator + path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text === '' ? undefined : JSON.parse(text);
}

/** Polls until the order is paid: the server decides that only from WeChat Pay's verified word. */
async function untilPaid(api: Api, id: string): Promise<Order> {
  const deadline = Date.now() + PAID_WITHIN_MS;
  for (;;) {
    const order = await api.client.request('/v1/orders/{orderId}', 'get', { params: { path: { orderId: id } } });
    if (order.status === 'paid') return order;
    if (order.status !== 'pending') throw new Error(`order became ${order.status}, not paid`);
    if (Date.now() > deadline) throw new Error(`order still pending after ${PAID_WITHIN_MS} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('seed: log in, order, pay, see it paid, log out', async () => {
  const wx = newWx();
  const api = createApi({ wx, baseUrl: server.api });

  const token = await api.ensureLogin();
  expect(token).toMatch(/^wxmp_/);
  expect(wx.storage.get('token')).toBe(token);

  const me = await api.client.request('/v1/me', 'get');
  expect(me.openid).toBe(wx.openid);

  const { items: products } = await api.client.request('/v1/products', 'get');
  const product = products.find((p) => p.stock >= 2);
  if (!product) throw new Error(`no product with stock for the seed: ${JSON.stringify(products)}`);

  const checkout = await api.client.request('/v1/orders', 'post', { body: { items: [{ product_id: product.id, quantity: 2 }] } });
  // The client sent ids and quantities; the server priced the order from its catalog.
  expect(checkout.order).toMatchObject({ status: 'pending', total_fen: product.price_fen * 2, currency: 'CNY' });
  expect(checkout.order.items).toEqual([
    { product_id: product.id, name: product.name, unit_price_fen: product.price_fen, quantity: 2, subtotal_fen: product.price_fen * 2 },
  ]);
  if (!checkout.payment) throw new Error('checkout without payment arguments');
  expect(checkout.payment.package).toMatch(/^prepay_id=/);

  const page = await api.client.request('/v1/orders', 'get', { params: { query: { limit: 5 } } });
  expect(page.items[0].id).toBe(checkout.order.id);

  await requestPayment(wx, checkout.payment);
  const paid = await untilPaid(api, checkout.order.id);
  expect(paid.paid_at).toBeDefined();

  await api.logout();
  expect(api.tokens.get()).toBeUndefined();

  // The revoked token is refused. A client that re-logs in on 401 would hide that, so ask
  // with one that does not.
  const strict = createClient<paths>({ baseUrl: server.api, request: (o) => wx.request(o), getToken: () => token });
  expect(await rejection(strict.request('/v1/me', 'get'))).toMatchObject({ status: 401, code: 'unauthorized' });

  expect(wx.logins).toBe(1);
  expect(wx.checked).toBe(wx.sent.length); // every answer went through the contract check
});

test('a stale token costs exactly one re-login, and the call succeeds', async () => {
  const wx = newWx('e2e-bob');
  const api = createApi({ wx, baseUrl: server.api });
  const revoked = await api.ensureLogin();
  await api.logout();
  wx.storage.set('token', revoked);
  const loginsBefore = wx.logins;

  const me = await api.client.request('/v1/me', 'get');
  expect(me.openid).toBe(wx.openid);
  expect(wx.logins - loginsBefore).toBe(1);
  expect(api.tokens.get()).not.toBe(revoked);
  expect(wx.sent.slice(-3).map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v1/me', 'POST /v1/auth/login', 'GET /v1/me']);
});

test('concurrent calls with a stale token share one re-login', async () => {
  const wx = newWx('e2e-carol');
  const api = createApi({ wx, baseUrl: server.api });
  wx.storage.set('token', 'wxmp_not-a-token-the-server-issued');

  const [me, orders, products] = await Promise.all([api.client.request('/v1/me', 'get'), api.client.request('/v1/orders', 'get'), api.client.request('/v1/products', 'get')]);
  expect(me.openid).toBe(wx.openid);
  expect(orders.items).toEqual([]);
  expect(products.items.length).toBeGreaterThan(0);
  expect(wx.logins).toBe(1);
});

test('cancel, and the server refuses what the order state does not allow', async () => {
  const wx = newWx('e2e-dave');
  const api = createApi({ wx, baseUrl: server.api });
  const { items } = await api.client.request('/v1/products', 'get');
  const product = items.find((p) => p.stock >= 1);
  if (!product) throw new Error('no product in stock');

  const key = `e2e-${Date.now()}`;
  const first = await api.client.request('/v1/orders', 'post', { body: { items: [{ product_id: product.id, quantity: 1 }] }, params: { header: { 'Idempotency-Key': key } } });
  const again = await api.client.request('/v1/orders', 'post', { body: { items: [{ product_id: product.id, quantity: 1 }] }, params: { header: { 'Idempotency-Key': key } } });
  expect(again.order.id).toBe(first.order.id);
  expect(await rejection(api.client.request('/v1/orders', 'post', { body: { items: [{ product_id: product.id, quantity: 2 }] }, params: { header: { 'Idempotency-Key': key } } }))).toMatchObject({
    status: 409,
    code: 'idempotency_conflict',
  });

  const repay = await api.client.request('/v1/orders/{orderId}/pay', 'post', { params: { path: { orderId: first.order.id } } });
  expect(repay.payment?.package).toMatch(/^prepay_id=/);

  const cancelled = await api.client.request('/v1/orders/{orderId}/cancel', 'post', { params: { path: { orderId: first.order.id } } });
  expect(cancelled.status).toBe('cancelled');
  expect(await rejection(api.client.request('/v1/orders/{orderId}/pay', 'post', { params: { path: { orderId: first.order.id } } }))).toMatchObject({ status: 409, code: 'order_not_payable' });
});

test('problems from the server arrive as typed ApiErrors', async () => {
  const wx = newWx('e2e-erin');
  const api = createApi({ wx, baseUrl: server.api });
  await api.ensureLogin();

  expect(await rejection(api.client.request('/v1/orders/{orderId}', 'get', { params: { path: { orderId: '00000000-0000-4000-8000-000000000000' } } }))).toMatchObject({ status: 404, code: 'not_found' });
  expect(await rejection(api.client.request('/v1/orders/{orderId}', 'get', { params: { path: { orderId: 'not-a-uuid' } } }))).toMatchObject({ status: 400, code: 'invalid_request' });
  expect(await rejection(api.client.request('/v1/orders', 'post', { body: { items: [{ product_id: '00000000-0000-4000-8000-000000000000', quantity: 1 }] } }))).toMatchObject({
    status: 422,
    code: 'product_unavailable',
  });
  expect(await rejection(api.client.request('/v1/auth/login', 'post', { body: { code: 'a-code-wechat-never-issued' }, auth: false }))).toMatchObject({ status: 401, code: 'invalid_code' });
  expect(wx.logins).toBe(1); // invalid_code never triggers a re-login
});

test('every notification dropped: one refreshOrder asks WeChat Pay and finds the order paid', async () => {
  const wx = newWx('e2e-frank');
  const api = createApi({ wx, baseUrl: server.api });
  // Fault JSON as adapters/wechat/emulator/control.go reads it: the next notification has
  // all its attempts dropped, so the server can learn of the payment only by asking.
  await emulator('POST', '/emulator/faults', { endpoint: 'notify', drop: 100 });
  try {
    await api.ensureLogin();
    const { items } = await api.client.request('/v1/products', 'get');
    const product = items.find((p) => p.stock >= 1);
    if (!product) throw new Error('no product in stock');
    const checkout = await api.client.request('/v1/orders', 'post', { body: { items: [{ product_id: product.id, quantity: 1 }] } });
    if (!checkout.payment) throw new Error('checkout without payment arguments');

    await requestPayment(wx, checkout.payment); // the emulator takes the money; its notification is dropped
    expect((await api.client.request('/v1/orders/{orderId}', 'get', { params: { path: { orderId: checkout.order.id } } })).status).toBe('pending'); // nothing told the server yet

    const refreshed = await api.client.request('/v1/orders/{orderId}/refresh', 'post', { params: { path: { orderId: checkout.order.id } } }); // one call, no polling
    expect(refreshed).toMatchObject({ id: checkout.order.id, status: 'paid' });
    expect(refreshed.paid_at).toBeDefined();

    // The emulator records the dropped attempt in the background: wait for it (bounded).
    type Txn = { trade_state: string; query_count: number; deliveries: { status: number; error?: string }[] };
    const txnPath = `/emulator/transactions/${encodeURIComponent(checkout.order.out_trade_no)}`;
    const deadline = Date.now() + 5_000;
    let txn = (await emulator('GET', txnPath)) as Txn;
    while (txn.deliveries.length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      txn = (await emulator('GET', txnPath)) as Txn;
    }
    expect(txn.trade_state).toBe('SUCCESS');
    expect(txn.query_count).toBeGreaterThanOrEqual(1); // the server asked WeChat Pay
    expect(txn.deliveries.length).toBeGreaterThanOrEqual(1);
    expect(txn.deliveries.every((d) => d.error === 'dropped' && d.status === 0)).toBe(true); // no notification arrived
    expect(wx.sent.filter((r) => r.path.endsWith('/refresh'))).toHaveLength(1);
  } finally {
    await emulator('DELETE', '/emulator/faults');
  }
});
