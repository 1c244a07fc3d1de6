// Compile-time checks of the client's types; `tsc --noEmit -p test` is what runs them
// (every @ts-expect-error must find an error). Jest runs the one runtime assertion so the
// file counts as a test.
import type { Client, Order, WxLike, ErrorCode } from '../../src/api/index';

// The real wx satisfies what the app's API needs, so it can be bound to it.
const realWx: WxLike | undefined = typeof wx === 'undefined' ? undefined : wx;

declare const c: Client;
async function typed(): Promise<void> {
  const order: Order = await c.request('/v1/orders/{orderId}', 'get', { params: { path: { orderId: 'x' } } });
  const none: undefined = await c.request('/v1/auth/logout', 'post');
  await c.request('/v1/orders', 'get', { params: { query: { limit: 5 } } });
  await c.request('/v1/orders', 'get');
  await c.request('/v1/orders', 'post', { body: { items: [{ product_id: 'p', quantity: 1 }] } });
  await c.request('/v1/auth/login', 'post', { body: { code: 'c' }, auth: false });
  void order;
  void none;

  // @ts-expect-error: /v1/me has no POST
  await c.request('/v1/me', 'post');
  // @ts-expect-error: getOrder needs its path parameter
  await c.request('/v1/orders/{orderId}', 'get');
  // @ts-expect-error: placing an order needs a body
  await c.request('/v1/orders', 'post');
  // @ts-expect-error: the client never sends a price
  await c.request('/v1/orders', 'post', { body: { items: [{ product_id: 'p', quantity: 1, price_fen: 1 }] } });
  // @ts-expect-error: no such path
  await c.request('/v1/nope', 'get');
  // @ts-expect-error: not a problem code
  const bad: ErrorCode = 'teapot';
  void bad;
}

test('type checks compile (see tsc)', () => {
  expect(typeof typed).toBe('function');
  expect(realWx).toBeUndefined(); // jest's node environment has no wx
});
