// Display helpers for orders. Every figure shown comes from the server's
// Order as is; these only format it.
import type { Order, OrderStatus, Parcel, ProductKind, Refund, RefundStatus, Shipment, ShipMethod, ShippingAddress } from '../api/index';
import { formatFen } from './money';

const STATUS_TEXT: Record<OrderStatus, string> = {
  pending: '待支付',
  closing: '取消中',
  paid: '已支付',
  shipped: '已发货',
  received: '已收货',
  completed: '已完成',
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

/** How a product reaches the buyer (Product.kind, Order.kind). */
const KIND_TEXT: Record<ProductKind, string> = {
  physical: '快递配送',
  pickup: '到店自提',
  virtual: '虚拟商品',
};

/** How an order was shipped (Shipment.method). */
const SHIP_METHOD_TEXT: Record<ShipMethod, string> = {
  express: '快递',
  same_city: '同城配送',
  virtual: '虚拟发货（无需物流）',
  pickup: '到店自提',
};

/**
 * Couriers by WeChat's delivery_id (Parcel.company, from its delivery list). Only the common
 * ones; any other code is shown as it is.
 */
const COURIER_TEXT: Record<string, string> = {
  SF: '顺丰速运',
  YTO: '圆通速递',
  ZTO: '中通快递',
  STO: '申通快递',
  YUNDA: '韵达快递',
  JTSD: '极兔速递',
  EMS: 'EMS',
  JD: '京东物流',
};

/** '快递配送', '到店自提', '虚拟商品'; '' for a kind this build does not know (or none). */
export function kindText(kind: ProductKind | undefined): string {
  return kind ? (KIND_TEXT[kind] ?? '') : '';
}

export function courierText(company: string): string {
  return COURIER_TEXT[company.toUpperCase()] ?? company;
}

/** A ShippingAddress ready for WXML. */
export interface AddressView {
  name: string;
  phone: string;
  /** "广东省 广州市 海珠区" */
  region: string;
  detail: string;
  postalCode: string;
}

export function addressView(a: ShippingAddress | undefined | null): AddressView | null {
  if (!a) return null;
  return {
    name: a.name,
    phone: a.phone,
    region: [a.province, a.city, a.district ?? ''].filter((part) => part !== '').join(' '),
    detail: a.detail,
    postalCode: a.postal_code ?? '',
  };
}

export interface ParcelView {
  companyText: string;
  trackingNo: string;
}

/** A Shipment ready for WXML. */
export interface ShipmentView {
  methodText: string;
  /** Couriers and tracking numbers (express); empty otherwise. */
  parcels: ParcelView[];
  shippedText: string;
  /** Shipped again (WeChat allows it once). */
  reshipped: boolean;
  /** WeChat's order shipping management accepted it (uploaded_at): only then can the buyer confirm receipt. */
  uploaded: boolean;
  /** Where the upload to WeChat stands, in words. */
  uploadText: string;
}

export function shipmentView(s: Shipment | undefined | null): ShipmentView | null {
  if (!s) return null;
  const uploaded = !!s.uploaded_at;
  return {
    methodText: SHIP_METHOD_TEXT[s.method] ?? s.method,
    parcels: s.parcels.map((p: Parcel) => ({ companyText: courierText(p.company), trackingNo: p.tracking_no })),
    shippedText: formatTime(s.shipped_at),
    reshipped: s.reships > 0,
    uploaded,
    uploadText: uploaded ? '已同步至微信' : s.refused ? '微信暂未接受，客服处理中' : '正在同步至微信',
  };
}

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
  /** How the goods reach the buyer ('' when the server did not say). */
  kindText: string;
  /** Where a physical order goes; null for the others. */
  address: AddressView | null;
  /** null until shipped. */
  shipment: ShipmentView | null;
  receivedText: string;
  completedText: string;
  /** WeChat Pay's transaction id ('' until paid): what the confirm-receipt page takes. */
  transactionId: string;
  /** Shipped: the 确认收货 button shows. */
  shipped: boolean;
  /** Shipped and known to WeChat (uploaded), with its transaction id: 确认收货 can open. */
  confirmable: boolean;
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
  const shipment = shipmentView(order.shipment);
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
    kindText: kindText(order.kind),
    address: addressView(order.address),
    shipment,
    receivedText: formatTime(order.received_at),
    completedText: formatTime(order.completed_at),
    transactionId: order.transaction_id ?? '',
    shipped: order.status === 'shipped',
    confirmable: order.status === 'shipped' && !!order.transaction_id && !!shipment?.uploaded,
    lines: order.items.map((item) => ({
      productId: item.product_id,
      name: item.name,
      quantity: item.quantity,
      unitPriceText: formatFen(item.unit_price_fen),
      subtotalText: formatFen(item.subtotal_fen),
    })),
  };
}
