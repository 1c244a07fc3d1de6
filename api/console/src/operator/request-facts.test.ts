import { describe, expect, it } from 'vitest';
import type { Schemas } from './client';
import { afterDecision, MAX_NOTE, noteProblem, requestTone, waited } from './request-facts';

type Request = Schemas['RefundApplication'];
const ORDER_A = '00000000-0000-4000-8000-00000000000a';
const ORDER_B = '00000000-0000-4000-8000-00000000000b';
const request = (id: string, over: Partial<Request> = {}): Request => ({
  id, order_id: ORDER_A, out_trade_no: 'T1', amount_fen: 1280, reason: '茶叶受潮', status: 'requested',
  created_at: '2025-03-01T12:00:00Z', updated_at: '2025-03-01T12:00:00Z', ...over,
});

describe('afterDecision', () => {
  const queue = [request('r1'), request('r2', { order_id: ORDER_B }), request('r3')];

  it('takes an approved, rejected or withdrawn request off the queue', () => {
    expect(afterDecision(queue, request('r2', { status: 'refunding', out_refund_no: 'RF1' })).map((r) => r.id)).toEqual(['r1', 'r3']);
    expect(afterDecision(queue, request('r1', { status: 'rejected', note: '已超过售后期' })).map((r) => r.id)).toEqual(['r2', 'r3']);
    expect(afterDecision(queue, request('r3', { status: 'withdrawn' })).map((r) => r.id)).toEqual(['r1', 'r2']);
  });

  it('replaces a request still waiting, and leaves a queue without it as it is', () => {
    const again = request('r1', { updated_at: '2025-03-02T08:00:00Z' });
    expect(afterDecision(queue, again)[0]).toBe(again);
    expect(afterDecision(queue, request('r9', { status: 'refunding' }))).toEqual(queue);
  });
});

describe('noteProblem', () => {
  it('wants a note the buyer can read: 1 to 200 characters once trimmed', () => {
    expect(noteProblem('')).toBe('empty');
    expect(noteProblem('   ')).toBe('empty');
    expect(noteProblem('已超过七天无理由退货期')).toBe('');
    expect(noteProblem('好'.repeat(MAX_NOTE))).toBe('');
    expect(noteProblem(` ${'好'.repeat(MAX_NOTE)} `)).toBe('');
    expect(noteProblem('好'.repeat(MAX_NOTE + 1))).toBe('tooLong');
  });

  it('counts characters as the service does, not UTF-16 units', () => {
    expect(noteProblem('🍵'.repeat(MAX_NOTE))).toBe(''); // 400 UTF-16 units, 200 characters
  });
});

describe('requestTone', () => {
  it('waits while the operator or WeChat Pay has to act, is done when refunded, over otherwise', () => {
    expect(requestTone('requested')).toBe('wait');
    expect(requestTone('refunding')).toBe('wait');
    expect(requestTone('refunded')).toBe('ok');
    expect(requestTone('rejected')).toBe('off');
    expect(requestTone('withdrawn')).toBe('off');
  });
});

describe('waited', () => {
  const since = '2025-03-01T12:00:00Z';
  const at = (ms: number): Date => new Date(Date.parse(since) + ms);
  const MIN = 60_000;

  it('says "just now" under a minute, and for a clock behind the server’s', () => {
    expect(waited(since, at(0))).toEqual({ unit: 'now' });
    expect(waited(since, at(59_999))).toEqual({ unit: 'now' });
    expect(waited(since, at(-5 * MIN))).toEqual({ unit: 'now' });
    expect(waited('not a time', at(0))).toEqual({ unit: 'now' });
  });

  it('counts whole minutes, then whole hours up to two days, then whole days', () => {
    expect(waited(since, at(MIN))).toEqual({ unit: 'min', n: 1 });
    expect(waited(since, at(59 * MIN + 59_999))).toEqual({ unit: 'min', n: 59 });
    expect(waited(since, at(60 * MIN))).toEqual({ unit: 'h', n: 1 });
    expect(waited(since, at(47 * 60 * MIN + 59 * MIN))).toEqual({ unit: 'h', n: 47 });
    expect(waited(since, at(48 * 60 * MIN))).toEqual({ unit: 'd', n: 2 });
    expect(waited(since, at(10 * 24 * 60 * MIN + 5 * MIN))).toEqual({ unit: 'd', n: 10 });
  });
});
