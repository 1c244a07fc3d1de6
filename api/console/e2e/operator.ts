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

  async order(orderId: string): Promise<Schemas['AdminOrderDetail']> {
    const { data, response } = await this.api.GET('/admin/v1/orders/{orderId}', { params: { path: { orderId } } });
    if (!data) throw new Error(`order ${orderId}: ${response.status}`);
    return data;
  }

  /** The open attention items, oldest first. */
  async attention(): Promise<Schemas['AttentionItem'][]> {
    const { data, response } = await this.api.GET('/admin/v1/attention', { params: { query: { limit: 100 } } });
    if (!data) throw new Error(`attention: ${response.status}`);
    return data.items;
  }
}
