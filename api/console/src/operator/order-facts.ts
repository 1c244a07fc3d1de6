// What the order page derives from an order: what is left to refund, and the timeline.
import type { Schemas } from './client';
import { uploadState } from './ship-facts';

type Detail = Schemas['AdminOrderDetail'];
type Ledger = Schemas['LedgerEntry'];

/** The statuses of an order whose payment can be refunded: paid, and every status after it
 * (shipped, received, completed), and a late payment to give back. */
const REFUNDABLE: ReadonlySet<Schemas['OrderStatus']> = new Set(['paid', 'shipped', 'received', 'completed', 'late_paid']);

/** Fen that can still be refunded: the payment less every refund that may still move money
 * (all but CLOSED), as the server counts it (`refund_too_large`). 0 for an unpaid order. */
export function refundable(order: Schemas['AdminOrder']): number {
  if (!REFUNDABLE.has(order.status)) return 0;
  const committed = (order.refunds ?? []).filter((r) => r.status !== 'CLOSED').reduce((sum, r) => sum + r.amount_fen, 0);
  return Math.max(0, order.total_fen - committed);
}

export type TimelineEvent =
  | { at: string; kind: 'created'; amount: number }
  | { at: string; kind: 'paid' }
  | { at: string; kind: 'shipped'; method: Schemas['ShipMethod']; again: boolean }
  | { at: string; kind: 'uploaded' }
  | { at: string; kind: 'received' }
  | { at: string; kind: 'completed' }
  | { at: string; kind: 'ledger'; source: Ledger['source']; event: string; verdict: Ledger['verdict'] }
  | { at: string; kind: 'refund'; no: string; amount: number }
  | { at: string; kind: 'refundDone'; no: string }
  | { at: string; kind: 'attention'; item: Schemas['AttentionItem']['kind'] }
  | { at: string; kind: 'resolved'; item: Schemas['AttentionItem']['kind']; by: string };

/** Where an event comes in what happens to an order, for events in the same second: placed,
 * paid, the ledger rows about the payment, shipped (virtual goods ship on payment), uploaded to
 * WeChat, received, completed, a refund asked, the ledger rows about refunds, a refund done, an
 * item raised, an item resolved. */
function step(e: TimelineEvent): number {
  switch (e.kind) {
    case 'created':
      return 0;
    case 'paid':
      return 1;
    case 'ledger':
      return e.source === 'refund_query' || e.source === 'refund_notification' ? 8 : 2;
    case 'shipped':
      return 3;
    case 'uploaded':
      return 4;
    case 'received':
      return 5;
    case 'completed':
      return 6;
    case 'refund':
      return 7;
    case 'refundDone':
      return 9;
    case 'attention':
      return 10;
    case 'resolved':
      return 11;
  }
}

/** Everything that happened to the order, oldest first. WeChat Pay says when a payment or a
 * refund succeeded to the second, while the service's own instants have fractions: a payment
 * in the second the order was placed would sort before it by the clock alone. So events are
 * ordered by their second, then by step() (created before paid before refunds…), then by the
 * clock, then as listed. */
export function timeline(d: Detail): TimelineEvent[] {
  const o = d.order;
  const events: TimelineEvent[] = [{ at: o.created_at, kind: 'created', amount: o.total_fen }];
  if (o.paid_at) events.push({ at: o.paid_at, kind: 'paid' });
  // The order keeps its latest shipment only: a re-ship replaces the first.
  const s = o.shipment;
  if (s) {
    events.push({ at: s.shipped_at, kind: 'shipped', method: s.method, again: s.reships > 0 });
    if (s.uploaded_at && uploadState(s) === 'uploaded') events.push({ at: s.uploaded_at, kind: 'uploaded' });
  }
  if (o.received_at) events.push({ at: o.received_at, kind: 'received' });
  if (o.completed_at) events.push({ at: o.completed_at, kind: 'completed' });
  for (const l of d.ledger) events.push({ at: l.received_at, kind: 'ledger', source: l.source, event: l.event_type, verdict: l.verdict });
  for (const r of o.refunds ?? []) {
    events.push({ at: r.created_at, kind: 'refund', no: r.out_refund_no, amount: r.amount_fen });
    if (r.succeeded_at) events.push({ at: r.succeeded_at, kind: 'refundDone', no: r.out_refund_no });
  }
  for (const a of d.attention) {
    events.push({ at: a.created_at, kind: 'attention', item: a.kind });
    if (a.resolved_at) events.push({ at: a.resolved_at, kind: 'resolved', item: a.kind, by: a.resolved_by ?? '' });
  }
  return events
    .map((e, i) => {
      const ms = Date.parse(e.at);
      return { e, i, ms, second: Math.floor(ms / 1000), step: step(e) };
    })
    .sort((a, b) => a.second - b.second || a.step - b.step || a.ms - b.ms || a.i - b.i)
    .map((x) => x.e);
}
