// The rules of shipping an order, as the service and WeChat's order shipping management keep
// them: which methods the order's goods allow, whether it can be shipped (paid) or shipped again
// (shipped, and WeChat allows one re-ship), what the dialog sends, and where WeChat has the
// shipment (uploaded, waiting, or refused with WeChat's reason).
import type { Schemas } from './client';
import { COURIERS, type Courier } from './labels';
import type { OperatorKey } from './messages';

type Order = Schemas['Order'];
type Kind = Schemas['ProductKind'];
type Method = Schemas['ShipMethod'];

/** An express shipment's parcels (WeChat's shipping_list), and a tracking number's length. */
export const MAX_PARCELS = 15;
export const MAX_TRACKING_BYTES = 128;
/** How often WeChat lets one payment be shipped again. */
export const MAX_RESHIPS = 1;

/** The order's kind; an order that does not say is picked up, the API's default. */
export function orderKind(o: Pick<Order, 'kind'>): Kind {
  return o.kind ?? 'pickup';
}

/** The methods the order's goods allow: sent goods by express or same-city delivery, picked-up
 * goods by self-pickup, virtual goods by themselves (they ship on payment). */
export function shipMethods(kind: Kind): Method[] {
  switch (kind) {
    case 'physical':
      return ['express', 'same_city'];
    case 'pickup':
      return ['pickup'];
    case 'virtual':
      return ['virtual'];
  }
}

export type ShipAction = { action: 'ship' } | { action: 'reship'; used: boolean } | null;

/** What the order page offers: 发货 / Ship on a paid order (a virtual one ships itself on
 * payment, so it only waits there if that went wrong), 重新发货 / Ship again on a shipped one
 * (disabled once WeChat's one re-ship is used), nothing once received or on an unpaid order. */
export function shipAction(o: Pick<Order, 'status' | 'shipment'>): ShipAction {
  if (o.status === 'paid') return { action: 'ship' };
  if (o.status === 'shipped') return { action: 'reship', used: (o.shipment?.reships ?? 0) >= MAX_RESHIPS };
  return null;
}

export interface ParcelDraft {
  company: Courier | '';
  tracking_no: string;
}

export type Built = { ok: true; body: Schemas['ShipRequest'] } | { ok: false; error: OperatorKey; vars?: Record<string, number> };

const bytes = (s: string): number => new TextEncoder().encode(s).length;

/** The request the dialog sends, or why it cannot yet: express has 1 to 15 parcels, each with a
 * courier of the list and a tracking number (trimmed, at most 128 bytes); the other methods send
 * none. */
export function shipRequest(kind: Kind, method: Method, parcels: readonly ParcelDraft[]): Built {
  if (!shipMethods(kind).includes(method)) return { ok: false, error: 'ship.methodNotAllowed' };
  if (method !== 'express') return { ok: true, body: { method } };
  if (parcels.length === 0) return { ok: false, error: 'ship.noParcels' };
  if (parcels.length > MAX_PARCELS) return { ok: false, error: 'ship.tooManyParcels', vars: { max: MAX_PARCELS } };
  const out: Schemas['Parcel'][] = [];
  for (const p of parcels) {
    const tracking = p.tracking_no.trim();
    if (p.company === '' || !COURIERS.includes(p.company)) return { ok: false, error: 'ship.noCourier' };
    if (tracking === '') return { ok: false, error: 'ship.noTracking' };
    if (bytes(tracking) > MAX_TRACKING_BYTES) return { ok: false, error: 'ship.trackingTooLong', vars: { max: MAX_TRACKING_BYTES } };
    out.push({ company: p.company, tracking_no: tracking });
  }
  return { ok: true, body: { method, parcels: out } };
}

export type UploadState = 'uploaded' | 'pending' | 'refused';

/** Where WeChat has the shipment: uploaded (WeChat accepted it, after it was shipped: a re-ship
 * waits for its own upload), refused (with WeChat's reason, in refused), or still pending. */
export function uploadState(s: Schemas['Shipment']): UploadState {
  if (s.uploaded_at && Date.parse(s.uploaded_at) >= Date.parse(s.shipped_at)) return 'uploaded';
  if (s.refused) return 'refused';
  return 'pending';
}

/** An address as a courier writes it: province, city, district, then the street. */
export function addressLine(a: Schemas['ShippingAddress']): string {
  return [a.province, a.city, a.district, a.detail].filter((x) => x && x.trim() !== '').join(' ');
}
