// What the console derives from buyers' refund requests (售后): the queue after a decision, an
// order's requests, how long one has waited, the tone of its status, and whether a rejection's
// note will be taken. Pure, so that the rules are tested without a browser.
import type { Schemas } from './client';
import type { Tone } from './refund-facts';

type Request = Schemas['RefundApplication'];
export type RequestStatus = Request['status'];

/** The service's rule for a rejection's note (domain.RefundApplication.Reject): 1 to 200
 * characters once trimmed; the buyer reads it. */
export const MAX_NOTE = 200;

export function noteProblem(note: string): '' | 'empty' | 'tooLong' {
  const n = [...note.trim()].length; // characters, as the service counts them (not UTF-16 units)
  if (n === 0) return 'empty';
  return n > MAX_NOTE ? 'tooLong' : '';
}

/** The queue after a decision's answer: a request no longer requested (approved: refunding;
 * rejected; withdrawn) leaves it, one still requested has its row replaced. */
export function afterDecision(items: Request[], answer: Request): Request[] {
  if (answer.status !== 'requested') return items.filter((r) => r.id !== answer.id);
  return items.map((r) => (r.id === answer.id ? answer : r));
}

/** requested waits for the operator, refunding for WeChat Pay; refunded is done; rejected and
 * withdrawn are over without money moving. */
export function requestTone(status: RequestStatus): Tone {
  switch (status) {
    case 'requested':
    case 'refunding':
      return 'wait';
    case 'refunded':
      return 'ok';
    default:
      return 'off';
  }
}

export type Waited = { unit: 'now' } | { unit: 'min' | 'h' | 'd'; n: number };

/** How long a request has waited, as a person says it: under a minute "just now", then whole
 * minutes, whole hours up to two days, whole days after. A clock behind the server's is "now". */
export function waited(since: string, now: Date): Waited {
  const ms = now.getTime() - new Date(since).getTime();
  const min = Math.floor(ms / 60_000);
  if (!(min >= 1)) return { unit: 'now' }; // also NaN, for a time that does not parse
  if (min < 60) return { unit: 'min', n: min };
  const h = Math.floor(min / 60);
  if (h < 48) return { unit: 'h', n: h };
  return { unit: 'd', n: Math.floor(h / 24) };
}
