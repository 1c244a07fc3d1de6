// What the bills pages derive from a reconciled day and its differences: each status's and
// outcome's tone, whether the day's totals were compared and where they differ, which sides of a
// difference have an amount, when a queued run has finished, and the day an attention item about
// a bill difference is from. Pure, so that the rules are tested without a browser.
import type { Schemas } from './client';
import type { Tone } from './refund-facts';

type BillDay = Schemas['BillDay'];
type BillDifference = Schemas['BillDifference'];

/** Balanced is settled well; unbalanced and failed need a person; waiting waits for WeChat Pay. */
export function billTone(status: BillDay['status']): Tone {
  switch (status) {
    case 'balanced':
      return 'ok';
    case 'waiting':
      return 'wait';
    case 'unbalanced':
    case 'failed':
      return 'bad';
    default:
      return 'off';
  }
}

/** Applied and explained are done; pending waits for WeChat Pay; attention for a person. */
export function outcomeTone(outcome: BillDifference['outcome']): Tone {
  switch (outcome) {
    case 'applied':
    case 'explained':
      return 'ok';
    case 'pending':
      return 'wait';
    case 'attention':
      return 'bad';
    default:
      return 'off';
  }
}

/** Whether the day's bill was ever compared with our books, so that its totals mean something:
 * a day that has only waited for its bill, or whose first bill failed, has none. */
export function compared(day: Pick<BillDay, 'status' | 'lines' | 'differences'>): boolean {
  return day.status === 'balanced' || day.status === 'unbalanced' || day.lines > 0 || day.differences > 0;
}

export interface Totals {
  wechat: number;
  ours: number;
  /** wechat − ours, in fen: 0 when they agree. */
  gap: number;
}

/** The day's payments and refunds, as WeChat Pay's bill and our books have them. */
export function totals(day: BillDay): { paid: Totals; refunded: Totals } {
  return {
    paid: { wechat: day.wechat_paid_fen, ours: day.ours_paid_fen, gap: day.wechat_paid_fen - day.ours_paid_fen },
    refunded: { wechat: day.wechat_refunded_fen, ours: day.ours_refunded_fen, gap: day.wechat_refunded_fen - day.ours_refunded_fen },
  };
}

/** The amounts a difference has on each side; undefined where that side has none (a line the
 * bill lacks, a payment or refund of which our books know nothing). */
export function sideAmounts(d: Pick<BillDifference, 'kind' | 'line_no' | 'ours_fen' | 'wechat_fen'>): { ours?: number; wechat?: number } {
  return {
    // Nothing of ours is 0 fen, where a payment or refund of ours never is.
    ours: d.kind === 'missing_here' && d.ours_fen === 0 ? undefined : d.ours_fen,
    wechat: d.kind === 'missing_at_wechat' || d.line_no === 0 ? undefined : d.wechat_fen,
  };
}

/** Watching a day after its run was queued: how many runs it had before, what the last read of
 * it was, and how many reads so far. */
export interface RunWatch {
  runsBefore: number;
  last: string | null;
  reads: number;
}

export type WatchStep = { done: false; watch: RunWatch } | { done: true; finished: boolean };

/** One more read of the day (undefined: not reconciled yet). A run counts itself when it
 * starts and sets the day's status when it ends, so the run has finished once the day has more
 * runs than before and two reads in a row agree. After maxReads reads it is given up on
 * (finished false): still queued, or retrying while WeChat Pay does not answer. */
export function watchStep(w: RunWatch, day: BillDay | undefined, maxReads: number): WatchStep {
  const reads = w.reads + 1;
  if (day && day.runs > w.runsBefore) {
    const seen = JSON.stringify(day);
    if (seen === w.last) return { done: true, finished: true };
    if (reads >= maxReads) return { done: true, finished: false };
    return { done: false, watch: { ...w, last: seen, reads } };
  }
  if (reads >= maxReads) return { done: true, finished: false };
  return { done: false, watch: { ...w, reads } };
}

const BILL_OF = /\bthe bill of (\d{4}-\d{2}-\d{2})\b/;

/** The day of the bill an attention item about a bill difference comes from, read from the
 * service's English cause ("the bill of 2025-03-01 (line 3) shows …"); null for any other item,
 * or when the cause does not say (then the bills page itself is the link). */
export function billDayOf(item: Pick<Schemas['AttentionItem'], 'reason' | 'kind' | 'facts'>): string | null {
  if (item.reason !== 'bill_difference' && item.kind !== 'bill_difference') return null;
  return BILL_OF.exec(item.facts?.cause ?? '')?.[1] ?? null;
}

/** The day after a day (yyyy-MM-dd): the list's `before` that starts at the day itself. */
export function dayAfter(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + 24 * 60 * 60 * 1000).toISOString().slice(0, 10);
}
