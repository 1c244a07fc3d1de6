// What the mini-program does, from Node: log in with a code the emulator console minted, and
// place an order, which creates the pending WeChat Pay transaction the console then pays.
import type { Server } from './server';

async function call<T>(server: Server, method: string, path: string, body?: unknown, token?: string): Promise<T> {
  const res = await fetch(server.api + path, {
    method,
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

export async function login(server: Server, code: string): Promise<string> {
  return (await call<{ token: string }>(server, 'POST', '/v1/auth/login', { code })).token;
}

export interface Placed {
  id: string;
  outTradeNo: string;
  totalFen: number;
}

/** Two of the first product for sale: an even total, so that half of it is whole fen. */
export async function placeOrder(server: Server, token: string): Promise<Placed> {
  const products = await call<{ items: { id: string }[] }>(server, 'GET', '/v1/products');
  const first = products.items[0];
  if (!first) throw new Error('the demo catalog is empty');
  const checkout = await call<{ order: { id: string; out_trade_no: string; total_fen: number } }>(
    server,
    'POST',
    '/v1/orders',
    { items: [{ product_id: first.id, quantity: 2 }] },
    token,
  );
  return { id: checkout.order.id, outTradeNo: checkout.order.out_trade_no, totalFen: checkout.order.total_fen };
}
