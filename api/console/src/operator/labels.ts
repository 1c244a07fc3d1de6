// Codes from the server as words in the current language: who did something, where a ledger row
// came from and what was decided, why an item needs a person. A code this console does not know
// yet is shown as it comes.
import { has, translator } from '../shared/i18n';
import { shared } from '../shared/messages';
import { formatFen } from '../shared/money';
import type { Schemas } from './client';
import { dict, type OperatorKey } from './messages';
import { actor } from './refund-facts';
import { waited, type RequestStatus } from './request-facts';

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
  bill_difference: 'why.bill_difference',
  shipping_refused: 'why.shipping_refused',
};

type BillStatus = Schemas['BillDay']['status'];
type DiffKind = Schemas['BillDifference']['kind'];
type Subject = Schemas['BillDifference']['subject'];
type Outcome = Schemas['BillDifference']['outcome'];
type ItemKind = Schemas['AttentionItem']['kind'];

const billStatusKeys: Record<BillStatus, OperatorKey> = {
  balanced: 'billStatus.balanced',
  unbalanced: 'billStatus.unbalanced',
  waiting: 'billStatus.waiting',
  failed: 'billStatus.failed',
};

const billHintKeys: Record<BillStatus, OperatorKey> = {
  balanced: 'billHint.balanced',
  unbalanced: 'billHint.unbalanced',
  waiting: 'billHint.waiting',
  failed: 'billHint.failed',
};

const diffKindKeys: Record<DiffKind, OperatorKey> = {
  missing_here: 'diff.missing_here',
  missing_at_wechat: 'diff.missing_at_wechat',
  amount: 'diff.amount',
  transaction: 'diff.transaction',
  state: 'diff.state',
  duplicate: 'diff.duplicate',
};

const subjectKeys: Record<Subject, OperatorKey> = { payment: 'subject.payment', refund: 'subject.refund' };

const outcomeKeys: Record<Outcome, OperatorKey> = {
  pending: 'outcome.pending',
  applied: 'outcome.applied',
  explained: 'outcome.explained',
  attention: 'outcome.attention',
};

const itemKindKeys: Record<ItemKind, OperatorKey> = {
  late_payment: 'kind.late_payment',
  suspicious_payment: 'kind.suspicious_payment',
  unresolved_order: 'kind.unresolved_order',
  refund_reported: 'kind.refund_reported',
  refund_abnormal: 'kind.refund_abnormal',
  refund_failed: 'kind.refund_failed',
  refund_unresolved: 'kind.refund_unresolved',
  bill_difference: 'kind.bill_difference',
  shipping_refused: 'kind.shipping_refused',
};

const requestStatusKeys: Record<RequestStatus, OperatorKey> = {
  requested: 'requestStatus.requested',
  refunding: 'requestStatus.refunding',
  refunded: 'requestStatus.refunded',
  rejected: 'requestStatus.rejected',
  withdrawn: 'requestStatus.withdrawn',
};

type ProductKind = Schemas['ProductKind'];
type ShipMethod = Schemas['ShipMethod'];

const productKindKeys: Record<ProductKind, OperatorKey> = {
  physical: 'productKind.physical',
  virtual: 'productKind.virtual',
  pickup: 'productKind.pickup',
};

const shipMethodKeys: Record<ShipMethod, OperatorKey> = {
  express: 'shipMethod.express',
  same_city: 'shipMethod.same_city',
  virtual: 'shipMethod.virtual',
  pickup: 'shipMethod.pickup',
};

/** The couriers the ship dialog offers: WeChat's delivery_id of each (get_delivery_list), the
 * ones most shops in China send with. A parcel shipped with another id shows it as it is. */
const courierKeys = {
  YTO: 'courier.YTO',
  ZTO: 'courier.ZTO',
  STO: 'courier.STO',
  YD: 'courier.YD',
  SF: 'courier.SF',
  JTSD: 'courier.JTSD',
  EMS: 'courier.EMS',
  JD: 'courier.JD',
} as const satisfies Record<string, OperatorKey>;
export type Courier = keyof typeof courierKeys;

export const SOURCES = Object.keys(sourceKeys) as Source[];
export const VERDICTS = Object.keys(verdictKeys) as Verdict[];
export const REASONS = Object.keys(whyKeys) as Reason[];
export const BILL_STATUSES = Object.keys(billStatusKeys) as BillStatus[];
export const DIFF_KINDS = Object.keys(diffKindKeys) as DiffKind[];
export const SUBJECTS = Object.keys(subjectKeys) as Subject[];
export const OUTCOMES = Object.keys(outcomeKeys) as Outcome[];
export const ITEM_KINDS = Object.keys(itemKindKeys) as ItemKind[];
export const PRODUCT_KINDS = Object.keys(productKindKeys) as ProductKind[];
export const SHIP_METHODS = Object.keys(shipMethodKeys) as ShipMethod[];
export const COURIERS = Object.keys(courierKeys) as Courier[];
export const REQUEST_STATUSES = Object.keys(requestStatusKeys) as RequestStatus[];

function known<C extends string>(keys: Record<C, OperatorKey>, code: string): code is C {
  return Object.prototype.hasOwnProperty.call(keys, code);
}

export function sourceLabel(source: Source): string {
  return known(sourceKeys, source) ? t(sourceKeys[source]) : source;
}

export function verdictLabel(verdict: Verdict): string {
  return known(verdictKeys, verdict) ? t(verdictKeys[verdict]) : verdict;
}

/** A day's reconciliation status: 已平 / Balanced, 未平 / Unbalanced, 等待账单, 账单无效. */
export function billStatusLabel(status: BillStatus): string {
  return known(billStatusKeys, status) ? t(billStatusKeys[status]) : status;
}

/** What a day's status means for the operator, in a sentence; '' for one this console does not know. */
export function billStatusHint(status: BillStatus): string {
  return known(billHintKeys, status) ? t(billHintKeys[status]) : '';
}

export function diffKindLabel(kind: DiffKind): string {
  return known(diffKindKeys, kind) ? t(diffKindKeys[kind]) : kind;
}

export function subjectLabel(subject: Subject): string {
  return known(subjectKeys, subject) ? t(subjectKeys[subject]) : subject;
}

export function outcomeLabel(outcome: Outcome): string {
  return known(outcomeKeys, outcome) ? t(outcomeKeys[outcome]) : outcome;
}

/** An attention item's kind in words (a bill difference names one as a plain string). */
export function itemKindLabel(kind: string): string {
  return known(itemKindKeys, kind) ? t(itemKindKeys[kind]) : kind;
}

/** How a product (or an order as a whole) reaches the buyer: 实物寄送 / Sent, 虚拟商品 /
 * Virtual, 用户自提 / Picked up. */
export function productKindLabel(kind: ProductKind): string {
  return known(productKindKeys, kind) ? t(productKindKeys[kind]) : kind;
}

/** How an order was shipped: 快递 / Express, 同城配送 / Same-city delivery… */
export function shipMethodLabel(method: ShipMethod): string {
  return known(shipMethodKeys, method) ? t(shipMethodKeys[method]) : method;
}

/** Where a buyer's refund request stands: 待审核 / Awaiting decision, 退款中 / Refunding… */
export function requestStatusLabel(status: RequestStatus): string {
  return known(requestStatusKeys, status) ? t(requestStatusKeys[status]) : status;
}

/** How long a request has waited: 刚刚 / just now, 5 分钟 / 5 min, 3 小时 / 3 h, 2 天 / 2 days. */
export function waitedLabel(since: string, now: Date): string {
  const w = waited(since, now);
  switch (w.unit) {
    case 'now':
      return t('waited.now');
    case 'min':
      return t('waited.min', { n: w.n });
    case 'h':
      return t('waited.h', { n: w.n });
    case 'd':
      return t(w.n === 1 ? 'waited.day' : 'waited.d', { n: w.n });
  }
}

/** A courier by WeChat's delivery_id: 圆通速递 / YTO Express; an id not in the list as it is. */
export function courierLabel(id: string): string {
  return known(courierKeys, id) ? t(courierKeys[id]) : id;
}

/** Why a day's bill was not believed, with the line ("the file as a whole" for line 0, its
 * SHA1); '' for a day that did not fail. */
export function billFailure(day: Pick<Schemas['BillDay'], 'status' | 'failure' | 'failed_line'>): string {
  if (day.status !== 'failed') return '';
  return day.failed_line > 0 ? t('bills.failure', { failure: day.failure, line: day.failed_line }) : t('bills.failureFile', { failure: day.failure });
}

/** What one side of a bill difference has (ours or the bill's): a status or a fixed phrase of
 * the server's in words (a payment's trade_state or our order's status, a refund's status), an
 * id as it is. */
export function sideLabel(subject: Subject, value: string): string {
  const keys = subject === 'refund' ? [`side.${value}`, `refund.${value}`] : [`side.${value}`, `trade.${value}`, `status.${value}`];
  for (const key of keys) if (has(dict, key)) return t(key);
  return value;
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
