import { describe, expect, it } from 'vitest';
import type { Schemas } from './client';
import { refundable, timeline } from './order-facts';

function order(over: Partial<Schemas['AdminOrder']>): Schemas['AdminOrder'] {
  return {
    id: '00000000-0000-4000-8000-000000000001', out_trade_no: 'T1', status: 'paid', items: [], total_fen: 1000, refunded_fen: 0,
    currency: 'CNY', description: 'd', created_at: '2025-03-01T10:00:00Z', expires_at: '2025-03-01T10:30:00Z', payer_openid: 'o1',
    ...over,
  };
}

function refund(amount: number, status: Schemas['RefundStatus'], created: string, succeeded?: string): Schemas['Refund'] {
  return { id: '00000000-0000-4000-8000-00000000000' + amount, out_refund_no: `RF${amount}`, amount_fen: amount, reason: 'r', status, created_at: created, succeeded_at: succeeded };
}

describe('refundable', () => {
  it('is the payment less refunds that may still move money', () => {
    const rs = [refund(300, 'SUCCESS', '2025-03-01T11:00:00Z'), refund(200, 'PROCESSING', '2025-03-01T11:01:00Z'), refund(400, 'CLOSED', '2025-03-01T11:02:00Z')];
    expect(refundable(order({ refunds: rs }))).toBe(500);
    expect(refundable(order({ status: 'late_paid' }))).toBe(1000);
  });

  it('counts the statuses after payment as paid', () => {
    for (const status of ['shipped', 'received', 'completed'] as const) expect(refundable(order({ status })), status).toBe(1000);
  });

  it('is 0 for an order that was not paid or is refunded', () => {
    expect(refundable(order({ status: 'pending' }))).toBe(0);
    expect(refundable(order({ status: 'refunded', refunds: [refund(1000, 'SUCCESS', '2025-03-01T11:00:00Z')] }))).toBe(0);
  });
});

describe('timeline', () => {
  it('puts everything in time order', () => {
    const d: Schemas['AdminOrderDetail'] = {
      order: order({ paid_at: '2025-03-01T10:01:00Z', refunds: [refund(500, 'SUCCESS', '2025-03-01T12:00:00Z', '2025-03-01T12:00:05Z')] }),
      refunds: [],
      refund_requests: [],
      ledger: [{ id: 1, event_id: 'EV-1', source: 'notification', event_type: 'TRANSACTION.SUCCESS', verdict: 'applied', reason: '', received_at: '2025-03-01T10:01:00Z' }],
      attention: [],
    };
    expect(timeline(d).map((e) => e.kind)).toEqual(['created', 'paid', 'ledger', 'refund', 'refundDone']);
  });

  it('puts what happened in one second in the order it happens: placed, paid, then refunds', () => {
    // WeChat Pay gives success times to the second (paid_at, succeeded_at); ours have fractions.
    const d: Schemas['AdminOrderDetail'] = {
      order: order({
        created_at: '2025-03-01T10:00:00.734Z',
        paid_at: '2025-03-01T10:00:00Z',
        refunds: [refund(500, 'SUCCESS', '2025-03-01T10:00:00.950Z', '2025-03-01T10:00:00Z')],
      }),
      refunds: [],
      refund_requests: [],
      ledger: [
        { id: 3, event_id: 'EV-3', source: 'refund_notification', event_type: 'REFUND.SUCCESS', verdict: 'applied', reason: '', received_at: '2025-03-01T10:00:00.990Z' },
        { id: 2, event_id: 'EV-2', source: 'refund_query', event_type: 'REFUND.PROCESSING', verdict: 'applied', reason: '', received_at: '2025-03-01T10:00:00.960Z' },
        { id: 1, event_id: 'EV-1', source: 'notification', event_type: 'TRANSACTION.SUCCESS', verdict: 'applied', reason: '', received_at: '2025-03-01T10:00:00.912Z' },
      ],
      attention: [],
    };
    expect(timeline(d).map((e) => (e.kind === 'ledger' ? e.event : e.kind))).toEqual([
      'created',
      'paid',
      'TRANSACTION.SUCCESS',
      'refund',
      'REFUND.PROCESSING',
      'REFUND.SUCCESS',
      'refundDone',
    ]);
  });

  it('keeps the clock between seconds, whatever happened', () => {
    const d: Schemas['AdminOrderDetail'] = {
      order: order({ created_at: '2025-03-01T10:00:00.734Z', paid_at: '2025-03-01T10:00:01Z' }),
      refunds: [],
      refund_requests: [],
      ledger: [],
      attention: [
        { id: 1, kind: 'suspicious_payment', order_id: '00000000-0000-4000-8000-000000000001', out_trade_no: 'T1', detail: 'd', created_at: '2025-03-01T10:00:00.800Z' },
      ],
    };
    expect(timeline(d).map((e) => e.kind)).toEqual(['created', 'attention', 'paid']);
  });

  it('says which item was resolved and by whom', () => {
    const d: Schemas['AdminOrderDetail'] = {
      order: order({ paid_at: '2025-03-01T10:01:00Z' }),
      refunds: [],
      refund_requests: [],
      ledger: [],
      attention: [
        {
          id: 7, kind: 'refund_abnormal', order_id: '00000000-0000-4000-8000-000000000001', out_trade_no: 'T1', out_refund_no: 'RF500',
          detail: 'd', created_at: '2025-03-01T12:00:00Z', resolved_at: '2025-03-01T13:00:00Z', resolved_by: 'system', note: 'WeChat Pay: SUCCESS',
        },
      ],
    };
    expect(timeline(d).slice(2)).toEqual([
      { at: '2025-03-01T12:00:00Z', kind: 'attention', item: 'refund_abnormal' },
      { at: '2025-03-01T13:00:00Z', kind: 'resolved', item: 'refund_abnormal', by: 'system' },
    ]);
  });

  it('puts shipping between the payment and what came after: shipped, uploaded, received, completed', () => {
    const d: Schemas['AdminOrderDetail'] = {
      order: order({
        status: 'completed',
        kind: 'virtual',
        paid_at: '2025-03-01T10:00:00Z',
        // Virtual goods ship in the second they are paid.
        shipment: { method: 'virtual', parcels: [], shipped_at: '2025-03-01T10:00:00.500Z', reships: 0, uploaded_at: '2025-03-01T10:00:03Z' },
        received_at: '2025-03-02T09:00:00Z',
        completed_at: '2025-03-03T09:00:00Z',
      }),
      refunds: [],
      refund_requests: [],
      ledger: [{ id: 1, event_id: 'EV-1', source: 'notification', event_type: 'TRANSACTION.SUCCESS', verdict: 'applied', reason: '', received_at: '2025-03-01T10:00:00.600Z' }],
      attention: [],
    };
    expect(timeline(d).map((e) => e.kind)).toEqual(['created', 'paid', 'ledger', 'shipped', 'uploaded', 'received', 'completed']);
    expect(timeline(d)[3]).toEqual({ at: '2025-03-01T10:00:00.500Z', kind: 'shipped', method: 'virtual', again: false });
  });

  it('says a re-ship, and leaves out the upload of the shipment it replaced', () => {
    const d: Schemas['AdminOrderDetail'] = {
      order: order({
        status: 'shipped',
        paid_at: '2025-03-01T10:01:00Z',
        shipment: { method: 'express', parcels: [{ company: 'YTO', tracking_no: 'YT2' }], shipped_at: '2025-03-01T12:00:00Z', reships: 1, uploaded_at: '2025-03-01T11:00:00Z' },
      }),
      refunds: [],
      refund_requests: [],
      ledger: [],
      attention: [],
    };
    expect(timeline(d).slice(2)).toEqual([{ at: '2025-03-01T12:00:00Z', kind: 'shipped', method: 'express', again: true }]);
  });
});
