// WeChat's order shipping management as the emulator console shows it: each order_state in
// words (the names WeChat's get_order gives: 待发货, 已发货, 确认收货, 交易完成, 已退款, 资金待结算),
// its tone, and which of the buyer's and the platform's buttons it takes.
import type { Schemas } from './client';
import type { EmulatorKey } from './messages';

export type OrderState = Schemas['ShippingOrder']['order_state'];
type Tone = 'ok' | 'wait' | 'bad' | 'off';

// Every order_state of the control API: one it gains fails the type check here until it is said.
const states: Record<OrderState, { key: EmulatorKey; tone: Tone }> = {
  1: { key: 'orderState.1', tone: 'wait' },
  2: { key: 'orderState.2', tone: 'wait' },
  3: { key: 'orderState.3', tone: 'ok' },
  6: { key: 'orderState.6', tone: 'ok' },
  4: { key: 'orderState.4', tone: 'ok' },
  5: { key: 'orderState.5', tone: 'off' },
};

export const ORDER_STATES = Object.keys(states).map(Number) as OrderState[];

export function stateKey(s: number): EmulatorKey | undefined {
  return states[s as OrderState]?.key;
}

export function stateTone(s: number): Tone {
  return states[s as OrderState]?.tone ?? 'off';
}

const logistics: Record<number, EmulatorKey> = { 1: 'logistics.1', 2: 'logistics.2', 3: 'logistics.3', 4: 'logistics.4' };

/** logistics_type (1 express, 2 same-city, 3 virtual, 4 self-pickup) as a key, if known. */
export function logisticsKey(type: number | undefined): EmulatorKey | undefined {
  return type === undefined ? undefined : logistics[type];
}

/** 买家确认收货 / Buyer confirms receipt: a shipped order (2) only. */
export function canConfirm(o: Pick<Schemas['ShippingOrder'], 'order_state'>): boolean {
  return o.order_state === 2;
}

/** 结算 / Settle now: a shipped (2, then confirmed automatically) or confirmed (3, 6) order. */
export function canSettle(o: Pick<Schemas['ShippingOrder'], 'order_state'>): boolean {
  return o.order_state === 2 || o.order_state === 3 || o.order_state === 6;
}
