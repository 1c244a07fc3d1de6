// The operator API (/admin/v1) from Node, through openapi-fetch over the types generated from
// openapi.yaml: for the steps a test needs done but does not test in the browser.
import { randomUUID } from 'node:crypto';
import createClient from 'openapi-fetch';
import type { components, paths } from '../src/shared/api.gen';
import type { Server } from './server';

type Schemas = components['schemas'];

export class Operator {
  private readonly api;

  constructor(server: Server) {
    this.api = createClient<paths>({ baseUrl: server.api, headers: { Authorization: `Bearer ${server.operatorKey}` } });
  }

  /** Refunds amountFen of a paid order; WeChat Pay decides the refund's end in the background. */
  async refund(orderId: string, amountFen: number, reason: string): Promise<Schemas['Refund']> {
    const { data, response } = await this.api.POST('/admin/v1/orders/{orderId}/refunds', {
      params: { path: { orderId }, header: { 'Idempotency-Key': randomUUID() } },
      body: { amount_fen: amountFen, reason },
    });
    if (!data) throw new Error(`refund ${orderId}: ${response.status}`);
    return data;
  }

  /** Adds a product to the catalog (its kind says how an order of it ships). */
  async createProduct(body: Schemas['NewProduct']): Promise<Schemas['AdminProduct']> {
    const { data, response } = await this.api.POST('/admin/v1/products', { body });
    if (!data) throw new Error(`create product ${body.sku}: ${response.status}`);
    return data;
  }

  /** Ships a paid order, or ships a shipped one again; the problem's code when refused. */
  async ship(orderId: string, body: Schemas['ShipRequest']): Promise<Schemas['Order']> {
    const { data, error, response } = await this.api.POST('/admin/v1/orders/{orderId}/ship', { params: { path: { orderId } }, body });
    if (!data) throw new Error(`ship ${orderId}: ${response.status} ${error?.code ?? ''}`);
    return data;
  }

  async order(orderId: string): Promise<Schemas['AdminOrderDetail']> {
    const { data, response } = await this.api.GET('/admin/v1/orders/{orderId}', { params: { path: { orderId } } });
    if (!data) throw new Error(`order ${orderId}: ${response.status}`);
    return data;
  }

  /** Queues a run of a day's reconciliation with WeChat Pay's trade bill. */
  async runBill(day: string): Promise<void> {
    const { data, response } = await this.api.POST('/admin/v1/bills/{day}/run', { params: { path: { day } } });
    if (!data) throw new Error(`run the bill of ${day}: ${response.status}`);
  }

  /** A reconciled day with its differences; undefined for a day never reconciled. */
  async billDay(day: string): Promise<Schemas['BillDayReport'] | undefined> {
    const { data, response } = await this.api.GET('/admin/v1/bills/{day}', { params: { path: { day } } });
    if (response.status === 404) return undefined;
    if (!data) throw new Error(`bill of ${day}: ${response.status}`);
    return data;
  }

  async resolve(itemId: number, note: string): Promise<void> {
    const { response } = await this.api.POST('/admin/v1/attention/{itemId}/resolve', { params: { path: { itemId } }, body: { note } });
    if (!response.ok) throw new Error(`resolve ${itemId}: ${response.status}`);
  }

  /** The open attention items, oldest first. */
  async attention(): Promise<Schemas['AttentionItem'][]> {
    const { data, response } = await this.api.GET('/admin/v1/attention', { params: { query: { limit: 100 } } });
    if (!data) throw new Error(`attention: ${response.status}`);
    return data.items;
  }
}
