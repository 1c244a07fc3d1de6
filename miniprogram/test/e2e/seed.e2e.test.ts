// The generated client against the real Go server: the seed journey a user makes in the
// mini-program (log in, look, order, pay, see it paid, log out), run in Node with a `wx`
// backed by the server's WeChat emulator. Every answer is checked against openapi.yaml.
// Also: with every payment notification dropped (an emulator fault), one POST /refresh
// finds the payment by asking WeChat Pay itself.
import { resolve } from 'path';
import { ApiError, createClient, type Client, type Order, type TokenStore } from '../../api/client';
import { Contract } from './contract';
import { NodeWx, requestPayment } from './node-wx';
import { REPO_ROOT, startServer, type Server } from './server';

const PAID_WITHIN_MS = 20_000;

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

/** A store that always holds one token and ignores the client's changes. */
function fixedToken(token: string): TokenStore {
  return { get: () => token, set: () => undefined, clear: () => undefined };
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
async function untilPaid(client: Client, id: string): Promise<Order> {
  const deadline = Date.now() + PAID_WITHIN_MS;
  for (;;) {
    const order = await client.getOrder(id);
    if (order.status === 'paid') return order;
    if (order.status !== 'pending') throw new Error(`order became ${order.status}, not paid`);
    if (Date.now() > deadline) throw new Error(`order still pending after ${PAID_WITHIN_MS} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('seed: log in, order, pay, see it paid, log out', async () => {
  const wx = newWx();
  const client = createClient({ wx, baseUrl: server.api });

  const token = await client.ensureLogin();
  expect(token).toMatch(/^wxmp_/);
  expect(wx.storage.get('token')).toBe(token);

  const me = await client.me();
  expect(me.openid).toBe(wx.openid);

  const { items: products } = await client.listProducts();
  const product = products.find((p) => p.stock >= 2);
  if (!product) throw new Error(`no product with stock for the seed: ${JSON.stringify(products)}`);

  const checkout = await client.placeOrder([{ product_id: product.id, quantity: 2 }]);
  // The client sent ids and quantities; the server priced the order from its catalog.
  expect(checkout.order).toMatchObject({ status: 'pending', total_fen: product.price_fen * 2, currency: 'CNY' });
  expect(checkout.order.items).toEqual([
    { product_id: product.id, name: product.name, unit_price_fen: product.price_fen, quantity: 2, subtotal_fen: product.price_fen * 2 },
  ]);
  if (!checkout.payment) throw new Error('checkout without payment arguments');
  expect(checkout.payment.package).toMatch(/^prepay_id=/);

  const page = await client.listOrders(undefined, 5);
  expect(page.items[0].id).toBe(checkout.order.id);

  await requestPayment(wx, checkout.payment);
  const paid = await untilPaid(client, checkout.order.id);
  expect(paid.paid_at).toBeDefined();

  await client.logout();
  expect(client.token()).toBeUndefined();

  // The revoked token is refused. A client that re-logs in on 401 would hide that, so ask
  // with one that does not.
  const strict = createClient({ wx, baseUrl: server.api, storage: fixedToken(token), reloginOn401: false });
  expect(await rejection(strict.me())).toMatchObject({ status: 401, code: 'unauthorized' });

  expect(wx.logins).toBe(1);
  expect(wx.checked).toBe(wx.sent.length); // every answer went through the contract check
});

test('a stale token costs exactly one re-login, and the call succeeds', async () => {
  const wx = newWx('e2e-bob');
  const client = createClient({ wx, baseUrl: server.api });
  const revoked = await client.ensureLogin();
  await client.logout();
  wx.storage.set('token', revoked);
  const loginsBefore = wx.logins;

  const me = await client.me();
  expect(me.openid).toBe(wx.openid);
  expect(wx.logins - loginsBefore).toBe(1);
  expect(client.token()).not.toBe(revoked);
  expect(wx.sent.slice(-3).map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v1/me', 'POST /v1/auth/login', 'GET /v1/me']);
});

test('concurrent calls with a stale token share one re-login', async () => {
  const wx = newWx('e2e-carol');
  const client = createClient({ wx, baseUrl: server.api });
  wx.storage.set('token', 'wxmp_not-a-token-the-server-issued');

  const [me, orders, products] = await Promise.all([client.me(), client.listOrders(), client.listProducts()]);
  expect(me.openid).toBe(wx.openid);
  expect(orders.items).toEqual([]);
  expect(products.items.length).toBeGreaterThan(0);
  expect(wx.logins).toBe(1);
});

test('cancel, and the server refuses what the order state does not allow', async () => {
  const wx = newWx('e2e-dave');
  const client = createClient({ wx, baseUrl: server.api });
  const { items } = await client.listProducts();
  const product = items.find((p) => p.stock >= 1);
  if (!product) throw new Error('no product in stock');

  const key = `e2e-${Date.now()}`;
  const first = await client.placeOrder([{ product_id: product.id, quantity: 1 }], key);
  const again = await client.placeOrder([{ product_id: product.id, quantity: 1 }], key);
  expect(again.order.id).toBe(first.order.id);
  expect(await rejection(client.placeOrder([{ product_id: product.id, quantity: 2 }], key))).toMatchObject({
    status: 409,
    code: 'idempotency_conflict',
  });

  const repay = await client.payOrder(first.order.id);
  expect(repay.payment?.package).toMatch(/^prepay_id=/);

  const cancelled = await client.cancelOrder(first.order.id);
  expect(cancelled.status).toBe('cancelled');
  expect(await rejection(client.payOrder(first.order.id))).toMatchObject({ status: 409, code: 'order_not_payable' });
});

test('problems from the server arrive as typed ApiErrors', async () => {
  const wx = newWx('e2e-erin');
  const client = createClient({ wx, baseUrl: server.api });
  await client.ensureLogin();

  expect(await rejection(client.getOrder('00000000-0000-4000-8000-000000000000'))).toMatchObject({ status: 404, code: 'not_found' });
  expect(await rejection(client.getOrder('not-a-uuid'))).toMatchObject({ status: 400, code: 'invalid_request' });
  expect(await rejection(client.placeOrder([{ product_id: '00000000-0000-4000-8000-000000000000', quantity: 1 }]))).toMatchObject({
    status: 422,
    code: 'product_unavailable',
  });
  expect(await rejection(client.login('a-code-wechat-never-issued'))).toMatchObject({ status: 401, code: 'invalid_code' });
  expect(wx.logins).toBe(1); // invalid_code never triggers a re-login
});

test('every notification dropped: one refreshOrder asks WeChat Pay and finds the order paid', async () => {
  const wx = newWx('e2e-frank');
  const client = createClient({ wx, baseUrl: server.api });
  // Fault JSON as adapters/wechat/emulator/control.go reads it: the next notification has
  // all its attempts dropped, so the server can learn of the payment only by asking.
  await emulator('POST', '/emulator/faults', { endpoint: 'notify', drop: 100 });
  try {
    await client.ensureLogin();
    const { items } = await client.listProducts();
    const product = items.find((p) => p.stock >= 1);
    if (!product) throw new Error('no product in stock');
    const checkout = await client.placeOrder([{ product_id: product.id, quantity: 1 }]);
    if (!checkout.payment) throw new Error('checkout without payment arguments');

    await requestPayment(wx, checkout.payment); // the emulator takes the money; its notification is dropped
    expect((await client.getOrder(checkout.order.id)).status).toBe('pending'); // nothing told the server yet

    const refreshed = await client.refreshOrder(checkout.order.id); // one call, no polling
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
