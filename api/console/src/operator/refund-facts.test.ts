import { describe, expect, it } from 'vitest';
import type { Schemas } from './client';
import { actor, afterRecheck, settled, verdictTone, withAnswers } from './refund-facts';

function adminRefund(no: string, status: Schemas['RefundStatus'], over: Partial<Schemas['AdminRefund']> = {}): Schemas['AdminRefund'] {
  return {
    id: '00000000-0000-4000-8000-000000000001', out_refund_no: no, amount_fen: 500, reason: 'r', status, created_at: '2025-03-01T11:00:00Z',
    order_id: '00000000-0000-4000-8000-0000000000aa', out_trade_no: 'T1', requested_by: 'operator:ops', failure: '', check_attempts: 0,
    updated_at: '2025-03-01T11:00:00Z', ...over,
  };
}

describe('settled', () => {
  it('is WeChat Pay’s last word only: SUCCESS and CLOSED', () => {
    expect(settled('SUCCESS')).toBe(true);
    expect(settled('CLOSED')).toBe(true);
    expect(settled('PROCESSING')).toBe(false);
    expect(settled('ABNORMAL')).toBe(false);
  });
});

describe('afterRecheck', () => {
  const list = [adminRefund('RF1', 'ABNORMAL'), adminRefund('RF2', 'PROCESSING'), adminRefund('RF3', 'PROCESSING')];

  it('takes a refund WeChat Pay settled off the list, keeping the others in order', () => {
    expect(afterRecheck(list, adminRefund('RF2', 'SUCCESS')).map((r) => r.out_refund_no)).toEqual(['RF1', 'RF3']);
    expect(afterRecheck(list, adminRefund('RF1', 'CLOSED', { failure: 'closed by WeChat' })).map((r) => r.out_refund_no)).toEqual(['RF2', 'RF3']);
  });

  it('replaces the row of a refund still not settled with the answer', () => {
    const after = afterRecheck(list, adminRefund('RF2', 'ABNORMAL', { check_attempts: 3 }));
    expect(after.map((r) => [r.out_refund_no, r.status, r.check_attempts])).toEqual([
      ['RF1', 'ABNORMAL', 0],
      ['RF2', 'ABNORMAL', 3],
      ['RF3', 'PROCESSING', 0],
    ]);
  });

  it('adds nothing for a refund that is not on the list', () => {
    expect(afterRecheck(list, adminRefund('RF9', 'PROCESSING'))).toEqual(list);
  });
});

describe('withAnswers', () => {
  const refunds: Schemas['Refund'][] = [
    { id: '00000000-0000-4000-8000-000000000001', out_refund_no: 'RF1', amount_fen: 500, reason: 'r', status: 'SUCCESS', created_at: '2025-03-01T11:00:00Z' },
    { id: '00000000-0000-4000-8000-000000000002', out_refund_no: 'RF2', amount_fen: 300, reason: 'r', status: 'PROCESSING', created_at: '2025-03-01T11:01:00Z' },
  ];

  it('adds who asked and why it failed from a re-check answer, keeping the order’s own state', () => {
    const answers = new Map([['RF1', adminRefund('RF1', 'ABNORMAL', { requested_by: 'system', failure: 'x', check_attempts: 2 })]]);
    const rows = withAnswers(refunds, answers);
    expect(rows[0]).toMatchObject({ out_refund_no: 'RF1', status: 'SUCCESS', requested_by: 'system', failure: 'x', check_attempts: 2 });
    expect(rows[1]).toEqual(refunds[1]);
    expect(rows[1]?.requested_by).toBeUndefined();
  });
});

describe('actor', () => {
  it.each([
    ['system', { kind: 'system' }],
    ['operator:ops-1', { kind: 'operator', id: 'ops-1' }],
    ['operator:', { kind: 'other', raw: 'operator:' }],
    ['buyer', { kind: 'other', raw: 'buyer' }],
  ])('%s', (by, want) => expect(actor(by)).toEqual(want));
});

describe('verdictTone', () => {
  it.each([
    ['applied', 'ok'],
    ['duplicate', 'off'],
    ['ignored', 'off'],
    ['refused', 'wait'],
    ['suspicious', 'bad'],
    ['rejected', 'bad'],
    ['late', 'bad'],
  ] as const)('%s is %s', (verdict, tone) => expect(verdictTone(verdict)).toBe(tone));
});
