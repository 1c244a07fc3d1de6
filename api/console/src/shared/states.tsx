// Order and refund states as badges, with one tone per meaning: settled well, waiting,
// needs a person, over.
import { has, translator } from './i18n';
import { shared } from './messages';
import { Badge } from './ui';

const t = translator(shared);
type Tone = 'ok' | 'wait' | 'bad' | 'off';

const orderTones: Record<string, Tone> = {
  pending: 'wait',
  closing: 'wait',
  paid: 'ok',
  refunded: 'off',
  cancelled: 'off',
  expired: 'off',
  late_paid: 'bad',
};

const refundTones: Record<string, Tone> = { PROCESSING: 'wait', SUCCESS: 'ok', CLOSED: 'off', ABNORMAL: 'bad' };

export function OrderStatus(props: { status: string }) {
  const key = `status.${props.status}`;
  return <Badge tone={orderTones[props.status] ?? 'off'} code={props.status} label={has(shared, key) ? t(key) : props.status} />;
}

export function RefundStatus(props: { status: string }) {
  const key = `refund.${props.status}`;
  return <Badge tone={refundTones[props.status] ?? 'off'} code={props.status} label={has(shared, key) ? t(key) : props.status} />;
}
