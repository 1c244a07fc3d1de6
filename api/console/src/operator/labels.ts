// Codes from the server as words in the current language: who did something, where a ledger row
// came from and what was decided, why an item needs a person. A code this console does not know
// yet is shown as it comes.
import { has, translator } from '../shared/i18n';
import { shared } from '../shared/messages';
import { formatFen } from '../shared/money';
import type { Schemas } from './client';
import { dict, type OperatorKey } from './messages';
import { actor } from './refund-facts';

const t = translator(dict);

/** Who asked for a refund (system: 系统 / System) or resolved an item (system: 系统自动 /
 * System, for the service resolved it when WeChat settled what the item was about). */
export function actorLabel(by: string, as: 'requester' | 'resolver'): string {
  const a = actor(by);
  switch (a.kind) {
    case 'system':
      return t(as === 'resolver' ? 'resolver.system' : 'actor.system');
    case 'operator':
      return t('actor.operator', { id: a.id });
    case 'other':
      return a.raw;
  }
}

type Source = Schemas['LedgerEntry']['source'];
type Verdict = Schemas['LedgerEntry']['verdict'];
export type Reason = NonNullable<Schemas['AttentionItem']['reason']>;

// Every code of the API's enums with its label: a code openapi.yaml gains fails the type check
// here until it is said, and the dictionary's type makes each one say it in both languages.
const sourceKeys: Record<Source, OperatorKey> = {
  notification: 'source.notification',
  query: 'source.query',
  close: 'source.close',
  refund_notification: 'source.refund_notification',
  refund_query: 'source.refund_query',
};

const verdictKeys: Record<Verdict, OperatorKey> = {
  applied: 'verdict.applied',
  duplicate: 'verdict.duplicate',
  ignored: 'verdict.ignored',
  suspicious: 'verdict.suspicious',
  rejected: 'verdict.rejected',
  late: 'verdict.late',
  refused: 'verdict.refused',
};

const whyKeys: Record<Reason, OperatorKey> = {
  late_payment_refunding: 'why.late_payment_refunding',
  late_refund_closed: 'why.late_refund_closed',
  refund_closed: 'why.refund_closed',
  refund_abnormal: 'why.refund_abnormal',
  refund_not_submitted: 'why.refund_not_submitted',
  refund_checks_exhausted: 'why.refund_checks_exhausted',
  trade_state_refund: 'why.trade_state_refund',
  refund_report_unexplained: 'why.refund_report_unexplained',
  payment_mismatch: 'why.payment_mismatch',
  order_unsettled: 'why.order_unsettled',
};

export const SOURCES = Object.keys(sourceKeys) as Source[];
export const VERDICTS = Object.keys(verdictKeys) as Verdict[];
export const REASONS = Object.keys(whyKeys) as Reason[];

function known<C extends string>(keys: Record<C, OperatorKey>, code: string): code is C {
  return Object.prototype.hasOwnProperty.call(keys, code);
}

export function sourceLabel(source: Source): string {
  return known(sourceKeys, source) ? t(sourceKeys[source]) : source;
}

export function verdictLabel(verdict: Verdict): string {
  return known(verdictKeys, verdict) ? t(verdictKeys[verdict]) : verdict;
}

/** A ledger row's event type (WeChat's, such as TRANSACTION.SUCCESS or REFUND.ABNORMAL, or the
 * service's own, such as REFUND.REFUSED) in words; one this console does not know as it comes. */
export function eventLabel(eventType: string): string {
  const key = `event.${eventType}`;
  return has(dict, key) ? t(key) : eventType;
}

/** Why a refund ended CLOSED: WeChat's own words (its refusal), or, when there are none because
 * WeChat Pay closed it, that it did. '' for a refund with nothing to say (not closed, or known
 * only from the buyer's view of the order, which does not carry why). */
export function refundFailure(r: { status: Schemas['RefundStatus']; failure?: string }): string {
  if (r.failure) return t('order.failure', { failure: r.failure });
  if (r.status === 'CLOSED' && r.failure === '') return t('order.failure', { failure: t('why.closedByWeChat') });
  return '';
}

/** Why an item needs a person, said from its reason and facts; the server's English detail for
 * an item raised before reasons were kept, or with a reason this console does not know yet. */
export function attentionWhy(item: Schemas['AttentionItem']): string {
  if (!item.reason || !known(whyKeys, item.reason)) return item.detail;
  const f = item.facts ?? {};
  let cause = f.cause ?? '';
  const status = `status.${cause}`;
  if (item.reason === 'order_unsettled' && has(shared, status)) cause = t(status);
  if (cause === '' && (item.reason === 'refund_closed' || item.reason === 'late_refund_closed')) cause = t('why.closedByWeChat');
  return t(whyKeys[item.reason], {
    amount: f.amount_fen === undefined ? '' : formatFen(f.amount_fen),
    no: f.out_refund_no ?? item.out_refund_no ?? '',
    txn: f.transaction_id ?? '',
    count: f.count ?? '',
    cause,
  });
}

/** The attention list's largest page (the API's): it has no cursor, so a full one shows as "100+". */
export const COUNT_LIMIT = 100;

/** How many items need a person, for the nav: "3", or "100+" when the list came back full. */
export function countLabel(n: number): string {
  return n >= COUNT_LIMIT ? `${COUNT_LIMIT}+` : String(n);
}
