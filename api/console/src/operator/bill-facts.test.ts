import { describe, expect, it } from 'vitest';
import { billDayOf, billTone, compared, dayAfter, outcomeTone, sideAmounts, totals, watchStep, type RunWatch } from './bill-facts';
import type { Schemas } from './client';

function day(over: Partial<Schemas['BillDay']> = {}): Schemas['BillDay'] {
  return {
    day: '2025-03-01', status: 'balanced', lines: 3, payments: 2, refunds: 1, wechat_paid_fen: 2560, wechat_refunded_fen: 500,
    ours_paid_fen: 2560, ours_refunded_fen: 500, differences: 0, open_differences: 0, failure: '', failed_line: 0, runs: 1,
    checked_at: '2025-03-02T02:00:00Z', ...over,
  };
}

function difference(over: Partial<Schemas['BillDifference']> = {}): Schemas['BillDifference'] {
  return {
    id: 1, kind: 'amount', subject: 'payment', out_trade_no: 'T1', out_refund_no: '', transaction_id: '4200000001', line_no: 2,
    order_id: '00000000-0000-4000-8000-000000000001', ours: '', wechat: '', ours_fen: 1280, wechat_fen: 1281, outcome: 'attention',
    action: 'x', found_at: '2025-03-02T02:00:00Z', ...over,
  };
}

describe('tones', () => {
  it.each([
    ['balanced', 'ok'],
    ['waiting', 'wait'],
    ['unbalanced', 'bad'],
    ['failed', 'bad'],
  ] as const)('a %s day is %s', (status, tone) => expect(billTone(status)).toBe(tone));

  it.each([
    ['applied', 'ok'],
    ['explained', 'ok'],
    ['pending', 'wait'],
    ['attention', 'bad'],
  ] as const)('a difference %s is %s', (outcome, tone) => expect(outcomeTone(outcome)).toBe(tone));

  it('gives a status or outcome newer than the console no meaning', () => {
    expect(billTone('audited' as Schemas['BillDay']['status'])).toBe('off');
    expect(outcomeTone('waived' as Schemas['BillDifference']['outcome'])).toBe('off');
  });
});

describe('compared', () => {
  it('is true of a day whose bill was compared, even an empty one', () => {
    expect(compared(day())).toBe(true);
    expect(compared(day({ lines: 0, payments: 0, refunds: 0, status: 'balanced' }))).toBe(true);
    expect(compared(day({ status: 'unbalanced' }))).toBe(true);
  });

  it('is false of a day that has only waited for its bill, or whose only bill failed', () => {
    expect(compared(day({ status: 'waiting', lines: 0, differences: 0 }))).toBe(false);
    expect(compared(day({ status: 'failed', lines: 0, differences: 0 }))).toBe(false);
  });

  it('is true of a day compared before its bill failed (the totals are the last compared bill’s)', () => {
    expect(compared(day({ status: 'failed', lines: 3 }))).toBe(true);
    expect(compared(day({ status: 'waiting', lines: 0, differences: 1 }))).toBe(true);
  });
});

describe('totals', () => {
  it('puts WeChat’s beside ours, and the gap is WeChat’s less ours', () => {
    expect(totals(day())).toEqual({ paid: { wechat: 2560, ours: 2560, gap: 0 }, refunded: { wechat: 500, ours: 500, gap: 0 } });
    const t = totals(day({ wechat_paid_fen: 2561, ours_refunded_fen: 800 }));
    expect(t.paid.gap).toBe(1);
    expect(t.refunded.gap).toBe(-300);
  });
});

describe('sideAmounts', () => {
  it('has both amounts where both sides have the payment', () => {
    expect(sideAmounts(difference())).toEqual({ ours: 1280, wechat: 1281 });
    expect(sideAmounts(difference({ kind: 'duplicate', ours_fen: 1280, wechat_fen: 1280 }))).toEqual({ ours: 1280, wechat: 1280 });
  });

  it('has no amount of ours for a line no order or refund of ours has', () => {
    expect(sideAmounts(difference({ kind: 'missing_here', ours: 'no order', ours_fen: 0, wechat_fen: 990 }))).toEqual({ ours: undefined, wechat: 990 });
  });

  it('keeps our amount for an order we never saw paid', () => {
    expect(sideAmounts(difference({ kind: 'missing_here', ours: 'expired', ours_fen: 990, wechat_fen: 990 }))).toEqual({ ours: 990, wechat: 990 });
  });

  it('has no amount of WeChat’s for what the bill lacks', () => {
    expect(sideAmounts(difference({ kind: 'missing_at_wechat', line_no: 0, ours_fen: 990, wechat_fen: 0 }))).toEqual({ ours: 990, wechat: undefined });
  });
});

describe('watchStep', () => {
  const start: RunWatch = { runsBefore: 2, last: null, reads: 0 };

  it('waits while the day has not run again, and gives up after the last read', () => {
    let w = start;
    for (let i = 1; i < 5; i++) {
      const step = watchStep(w, day({ runs: 2 }), 5);
      expect(step.done).toBe(false);
      if (!step.done) w = step.watch;
    }
    expect(watchStep(w, day({ runs: 2 }), 5)).toEqual({ done: true, finished: false });
  });

  it('waits for a day never reconciled to appear', () => {
    const step = watchStep({ runsBefore: 0, last: null, reads: 0 }, undefined, 5);
    expect(step).toEqual({ done: false, watch: { runsBefore: 0, last: null, reads: 1 } });
  });

  it('has finished once the day ran again and two reads agree (a run counts itself before it sets the status)', () => {
    const counted = watchStep(start, day({ runs: 3, status: 'unbalanced' }), 10);
    expect(counted.done).toBe(false);
    if (counted.done) return;
    const ended = watchStep(counted.watch, day({ runs: 3, status: 'balanced' }), 10);
    expect(ended.done).toBe(false);
    if (ended.done) return;
    expect(watchStep(ended.watch, day({ runs: 3, status: 'balanced' }), 10)).toEqual({ done: true, finished: true });
  });

  it('has finished for a day reconciled for the first time', () => {
    const first = watchStep({ runsBefore: 0, last: null, reads: 0 }, day({ runs: 1, status: 'waiting' }), 10);
    expect(first.done).toBe(false);
    if (first.done) return;
    expect(watchStep(first.watch, day({ runs: 1, status: 'waiting' }), 10)).toEqual({ done: true, finished: true });
  });
});

describe('billDayOf', () => {
  const item = (over: Partial<Schemas['AttentionItem']>): Schemas['AttentionItem'] => ({
    id: 1, kind: 'bill_difference', out_trade_no: 'T1', detail: 'd', created_at: '2025-03-02T02:00:00Z', reason: 'bill_difference', ...over,
  });

  it('reads the day from the service’s account of the difference', () => {
    expect(billDayOf(item({ facts: { cause: 'the bill of 2025-03-01 (line 2) shows the payment of out_trade_no T1 as ¥12.81; our books have ¥12.80' } }))).toBe('2025-03-01');
    expect(billDayOf(item({ facts: { cause: 'the bill of 2025-02-28 does not show our payment of out_trade_no T1 of ¥12.80 (paid)' } }))).toBe('2025-02-28');
  });

  it('is null when the cause does not say, and for any other item', () => {
    expect(billDayOf(item({ facts: { cause: 'something else' } }))).toBeNull();
    expect(billDayOf(item({}))).toBeNull();
    expect(billDayOf(item({ kind: 'refund_abnormal', reason: 'refund_abnormal', facts: { cause: 'the bill of 2025-03-01' } }))).toBeNull();
  });
});

describe('dayAfter', () => {
  it.each([
    ['2025-03-01', '2025-03-02'],
    ['2025-02-28', '2025-03-01'],
    ['2024-02-28', '2024-02-29'],
    ['2024-12-31', '2025-01-01'],
  ])('%s → %s', (d, next) => expect(dayAfter(d)).toBe(next));
});
