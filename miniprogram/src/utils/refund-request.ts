// 申请退款 (售后): the buyer's refund request for a paid, shipped or received order.
//   POST /v1/orders/{id}/refund-requests {amount_fen, reason (≤ 80)} → RefundApplication
//   GET  /v1/orders/{id}/refund-requests → {items}, oldest first
//   POST /v1/refund-requests/{id}/withdraw (while requested)
// The operator approves (the refund goes to WeChat Pay: 退款中, then 已退款) or rejects with a
// note (已拒绝). One open request per order; 409 request_not_open when there already is one, or
// when a withdraw comes after the operator decided.
//
// The amount is typed in yuan ("12.5") and sent in fen; it defaults to what is left
// (total_fen − refunded_fen) and may not exceed it.
import type { Order, OrderStatus, RefundApplication, RefundApplicationStatus } from '../api/index';
import { formatFen } from './money';
import { formatTime } from './format';

export const REFUND_REASON_MAX = 80;

const STATUS_TEXT: Record<RefundApplicationStatus, string> = {
  requested: '待审核',
  refunding: '退款中',
  refunded: '已退款',
  rejected: '已拒绝',
  withdrawn: '已撤回',
};

/** The orders a buyer may ask a refund of. */
const REFUNDABLE: readonly OrderStatus[] = ['paid', 'shipped', 'received'];

export interface RefundRequestView {
  id: string;
  amountText: string;
  reason: string;
  status: RefundApplicationStatus;
  statusText: string;
  /** The operator's note on a rejection ('' otherwise). */
  note: string;
  timeText: string;
  /** Still requested: 撤回 shows. */
  withdrawable: boolean;
}

export function refundRequestStatusText(status: RefundApplicationStatus): string {
  return STATUS_TEXT[status] ?? status;
}

export function refundRequestView(r: RefundApplication): RefundRequestView {
  return {
    id: r.id,
    amountText: formatFen(r.amount_fen),
    reason: r.reason,
    status: r.status,
    statusText: refundRequestStatusText(r.status),
    note: r.status === 'rejected' ? (r.note ?? '') : '',
    timeText: formatTime(r.updated_at ?? r.created_at),
    withdrawable: r.status === 'requested',
  };
}

/** What is left to refund, in fen. */
export function refundableFen(order: Pick<Order, 'total_fen' | 'refunded_fen'>): number {
  return Math.max(0, order.total_fen - order.refunded_fen);
}

/** An open request (requested or refunding) stops another. */
export function hasOpenRequest(requests: Pick<RefundApplication, 'status'>[]): boolean {
  return requests.some((r) => r.status === 'requested' || r.status === 'refunding');
}

/** 申请退款 shows: a paid, shipped or received order with money left and no open request. */
export function canRequestRefund(order: Pick<Order, 'status' | 'total_fen' | 'refunded_fen'>, requests: Pick<RefundApplication, 'status'>[]): boolean {
  return REFUNDABLE.includes(order.status) && refundableFen(order) > 0 && !hasOpenRequest(requests);
}

/** 1250 → "12.50": the amount field's default. */
export function fenToYuanInput(fen: number): string {
  const f = Math.max(0, Math.round(fen));
  const cents = f % 100;
  return `${Math.floor(f / 100)}.${cents < 10 ? '0' : ''}${cents}`;
}

/** "12.5" → 1250; undefined when it is not an amount in yuan with at most two decimals. */
export function yuanToFen(text: string): number | undefined {
  const m = /^\s*(\d{1,9})(?:\.(\d{0,2}))?\s*$/.exec(text ?? '');
  if (!m) return undefined;
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0') || '0');
}

/** Characters as a person counts them (an emoji is one). */
export function charCountOf(s: string): number {
  return Array.from(s).length;
}
