// Order and refund states as badges, with one tone per meaning: settled well, waiting,
// needs a person, over.
import type { components } from './api.gen';
import { has, translator } from './i18n';
import { shared } from './messages';
import { Badge } from './ui';

const t = translator(shared);
type Tone = 'ok' | 'wait' | 'bad' | 'off';
type OrderStatusCode = components['schemas']['OrderStatus'];

// Every status of the API, in the order an order goes through them (the orders filter lists
// them so): a status openapi.yaml gains fails the type check here until it has a tone.
const orderTones: Record<OrderStatusCode, Tone> = {
  pending: 'wait',
  closing: 'wait',
  paid: 'ok',
  shipped: 'ok',
  received: 'ok',
  completed: 'ok',
  late_paid: 'bad',
  refunded: 'off',
  cancelled: 'off',
  expired: 'off',
};

export const ORDER_STATUSES = Object.keys(orderTones) as OrderStatusCode[];

const refundTones: Record<string, Tone> = { PROCESSING: 'wait', SUCCESS: 'ok', CLOSED: 'off', ABNORMAL: 'bad' };

/** An order's status in words ('已发货'), or its code when this console does not know it. */
export function orderStatusLabel(status: string): string {
  const key = `status.${status}`;
  return has(shared, key) ? t(key) : status;
}

export function OrderStatus(props: { status: string }) {
  return <Badge tone={orderTones[props.status as OrderStatusCode] ?? 'off'} code={props.status} label={orderStatusLabel(props.status)} />;
}

export function RefundStatus(props: { status: string }) {
  const key = `refund.${props.status}`;
  return <Badge tone={refundTones[props.status] ?? 'off'} code={props.status} label={has(shared, key) ? t(key) : props.status} />;
}
