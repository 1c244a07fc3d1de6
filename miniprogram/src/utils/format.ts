// Display helpers for orders. Every figure shown comes from the server's
// Order as is; these only format it.
import type { Order, OrderStatus, Refund, RefundStatus } from '../api/index';
import { formatFen } from './money';

const STATUS_TEXT: Record<OrderStatus, string> = {
  pending: '待支付',
  closing: '取消中',
  paid: '已支付',
  cancelled: '已取消',
  expired: '已过期',
  late_paid: '已过期，退款中',
  refunded: '已退款',
};

const REFUND_STATUS_TEXT: Record<RefundStatus, string> = {
  PROCESSING: '退款中',
  SUCCESS: '已退款',
  CLOSED: '退款关闭',
  ABNORMAL: '退款异常，处理中',
};

export interface RefundView {
  id: string;
  amountText: string;
  statusText: string;
  reason: string;
  /** When it reached the buyer, or when it was asked for. */
  timeText: string;
}

export function statusText(status: OrderStatus): string {
  return STATUS_TEXT[status] ?? status;
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** RFC 3339 → "2025-11-23 21:03" in the phone's time zone; '' when absent or unreadable. */
export function formatTime(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export interface OrderLineView {
  productId: string;
  name: string;
  quantity: number;
  unitPriceText: string;
  subtotalText: string;
}

/** An Order ready for WXML (which cannot call functions). */
export interface OrderView {
  id: string;
  outTradeNo: string;
  status: OrderStatus;
  statusText: string;
  totalText: string;
  summary: string;
  createdText: string;
  expiresText: string;
  paidText: string;
  /** Pending and not past expires_at: the pay and cancel buttons show. */
  payable: boolean;
  lines: OrderLineView[];
  /** '' when nothing went back. */
  refundedText: string;
  refunds: RefundView[];
}

export function refundView(r: Refund): RefundView {
  return {
    id: r.id,
    amountText: formatFen(r.amount_fen),
    statusText: REFUND_STATUS_TEXT[r.status] ?? r.status,
    reason: r.reason,
    timeText: formatTime(r.succeeded_at ?? r.created_at),
  };
}

export function orderView(order: Order, now: number = Date.now()): OrderView {
  const count = order.items.reduce((n, item) => n + item.quantity, 0);
  const first = order.items[0];
  const summary = !first
    ? order.description
    : order.items.length === 1
      ? `${first.name} ×${first.quantity}`
      : `${first.name} 等 ${count} 件`;
  const expires = Date.parse(order.expires_at);
  return {
    id: order.id,
    outTradeNo: order.out_trade_no,
    status: order.status,
    statusText: statusText(order.status),
    totalText: formatFen(order.total_fen),
    summary,
    createdText: formatTime(order.created_at),
    expiresText: formatTime(order.expires_at),
    paidText: formatTime(order.paid_at),
    payable: order.status === 'pending' && !(expires <= now),
    refundedText: order.refunded_fen > 0 ? formatFen(order.refunded_fen) : '',
    refunds: (order.refunds ?? []).map(refundView),
    lines: order.items.map((item) => ({
      productId: item.product_id,
      name: item.name,
      quantity: item.quantity,
      unitPriceText: formatFen(item.unit_price_fen),
      subtotalText: formatFen(item.subtotal_fen),
    })),
  };
}
