// What the console derives from refunds and from who did what: whether WeChat Pay has settled a
// refund (only then is it off the operator's list and past re-checking), how a re-check's answer
// changes what is shown, who asked for a refund or resolved an item, and how each ledger verdict
// reads. Pure, so that the rules are tested without a browser.
import type { Schemas } from './client';

type AdminRefund = Schemas['AdminRefund'];

/** SUCCESS and CLOSED are WeChat Pay's last word; PROCESSING and ABNORMAL may still change, so
 * they are listed as unsettled and can be re-checked. */
export function settled(status: Schemas['RefundStatus']): boolean {
  return status === 'SUCCESS' || status === 'CLOSED';
}

/** The unsettled list after a re-check's answer: the refund's row replaced, or gone once WeChat
 * Pay settled it. A refund not on the list is left off (another page, or already gone). */
export function afterRecheck(items: AdminRefund[], answer: AdminRefund): AdminRefund[] {
  if (settled(answer.status)) return items.filter((r) => r.out_refund_no !== answer.out_refund_no);
  return items.map((r) => (r.out_refund_no === answer.out_refund_no ? answer : r));
}

/** An order's refund with what only the operator's refund view carries, when the console has it. */
export type RefundRow = Schemas['Refund'] & Partial<Pick<AdminRefund, 'requested_by' | 'failure' | 'check_attempts' | 'updated_at'>>;

/** The order's refunds (the operator's view: who asked, WeChat's refusal), each with the latest
 * re-check answer about it folded in until the order reloads. A status from the order (newer) is
 * kept over the answer's. */
export function withAnswers(refunds: RefundRow[], answers: ReadonlyMap<string, AdminRefund>): RefundRow[] {
  return refunds.map((r) => {
    const a = answers.get(r.out_refund_no);
    return a ? { ...r, requested_by: a.requested_by, failure: a.failure, check_attempts: a.check_attempts, updated_at: a.updated_at } : r;
  });
}

/** Who: "system" (the service itself), "operator:<key id>", or something this console does not
 * know yet (shown as it comes). */
export type Actor = { kind: 'system' } | { kind: 'operator'; id: string } | { kind: 'other'; raw: string };

export function actor(by: string): Actor {
  if (by === 'system') return { kind: 'system' };
  if (by.startsWith('operator:') && by.length > 'operator:'.length) return { kind: 'operator', id: by.slice('operator:'.length) };
  return { kind: 'other', raw: by };
}

export type Tone = 'ok' | 'wait' | 'bad' | 'off';

/** A ledger verdict's tone: applied moved the order; duplicate and ignored changed nothing;
 * refused waits for the next row about the refund (what WeChat Pay then answered); suspicious,
 * rejected and late need a person's eye. */
export function verdictTone(verdict: Schemas['LedgerEntry']['verdict']): Tone {
  switch (verdict) {
    case 'applied':
      return 'ok';
    case 'duplicate':
    case 'ignored':
      return 'off';
    case 'refused':
      return 'wait';
    default:
      return 'bad';
  }
}
