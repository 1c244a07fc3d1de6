// What the mini-program does, from Node: log in with a code the emulator console minted, place
// an order (with the buyer's address, for goods that are sent), which creates the pending WeChat
// Pay transaction the console then pays, come back from WeChat's confirm-receipt page, ask for
// money back (售后) and withdraw the request, and verify the phone number with the code the
// getPhoneNumber button gave, and tell the service what the subscribe popup answered.
import type { components } from '../src/shared/api.gen';
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

export type Address = components['schemas']['ShippingAddress'];

/** Where the e2e buyer has goods sent, as wx.chooseAddress gives it. */
export const ADDRESS: Address = { name: '张三', phone: '13800138000', province: '广东省', city: '广州市', district: '海珠区', detail: '新港中路397号', postal_code: '510310' };

/** quantity of one product, with the address its goods are sent to (physical goods need one). */
export async function buy(server: Server, token: string, productId: string, quantity: number, address?: Address): Promise<Placed> {
  const checkout = await call<{ order: { id: string; out_trade_no: string; total_fen: number } }>(
    server,
    'POST',
    '/v1/orders',
    { items: [{ product_id: productId, quantity }], ...(address ? { address } : {}) },
    token,
  );
  return { id: checkout.order.id, outTradeNo: checkout.order.out_trade_no, totalFen: checkout.order.total_fen };
}

/** What the buyer's app does on coming back from WeChat's confirm-receipt page: the service asks
 * WeChat (get_order) where the shipped order stands, and answers the order as it then is. */
export async function confirmReceipt(server: Server, token: string, orderId: string): Promise<components['schemas']['Order']> {
  return call(server, 'POST', `/v1/orders/${orderId}/receipt`, undefined, token);
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

type RefundApplication = components['schemas']['RefundApplication'];

/** The buyer asks for amountFen of a paid order back (售后), with a reason. */
export async function requestRefund(server: Server, token: string, orderId: string, amountFen: number, reason: string): Promise<RefundApplication> {
  return call(server, 'POST', `/v1/orders/${orderId}/refund-requests`, { amount_fen: amountFen, reason }, token);
}

/** The buyer's requests about one order, oldest first, as the mini-program shows them. */
export async function refundRequests(server: Server, token: string, orderId: string): Promise<RefundApplication[]> {
  return (await call<{ items: RefundApplication[] }>(server, 'GET', `/v1/orders/${orderId}/refund-requests`, undefined, token)).items;
}

/** The buyer takes back a request the shop has not decided yet. */
export async function withdrawRefundRequest(server: Server, token: string, requestId: string): Promise<RefundApplication> {
  return call(server, 'POST', `/v1/refund-requests/${requestId}/withdraw`, undefined, token);
}

/** What the mini-program tells the service after wx.requestSubscribeMessage answered: each
 * accept of a template the shop sends grants it one message. */
export async function tellSubscriptions(server: Server, token: string, results: Record<string, string>): Promise<components['schemas']['SubscriptionList']> {
  return call(server, 'POST', '/v1/me/subscriptions', { results }, token);
}

/** The buyer's phone number verified with the code from the getPhoneNumber button: the user,
 * with the number masked. */
export async function bindPhone(server: Server, token: string, code: string): Promise<components['schemas']['User']> {
  return call(server, 'POST', '/v1/me/phone', { code }, token);
}
