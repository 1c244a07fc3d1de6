import { describe, expect, it } from 'vitest';
import type { Schemas } from './client';
import { addressLine, MAX_PARCELS, orderKind, shipAction, shipMethods, shipRequest, uploadState, type ParcelDraft } from './ship-facts';

const shipment = (over: Partial<Schemas['Shipment']>): Schemas['Shipment'] => ({ method: 'express', parcels: [], shipped_at: '2025-03-01T10:00:00Z', reships: 0, ...over });

describe('shipMethods', () => {
  it('offers what the goods allow: sent goods by express or same-city, picked-up ones by pickup, virtual ones by themselves', () => {
    expect(shipMethods('physical')).toEqual(['express', 'same_city']);
    expect(shipMethods('pickup')).toEqual(['pickup']);
    expect(shipMethods('virtual')).toEqual(['virtual']);
  });

  it('takes an order that does not say its kind as picked up, the API’s default', () => {
    expect(orderKind({})).toBe('pickup');
    expect(orderKind({ kind: 'physical' })).toBe('physical');
  });
});

describe('shipAction', () => {
  it('ships a paid order, and ships a shipped one again once', () => {
    expect(shipAction({ status: 'paid' })).toEqual({ action: 'ship' });
    expect(shipAction({ status: 'shipped', shipment: shipment({}) })).toEqual({ action: 'reship', used: false });
    expect(shipAction({ status: 'shipped', shipment: shipment({ reships: 1 }) })).toEqual({ action: 'reship', used: true });
  });

  it('offers nothing before payment, once received or completed, or when the payment is given back', () => {
    for (const status of ['pending', 'closing', 'received', 'completed', 'refunded', 'late_paid', 'cancelled', 'expired'] as const) {
      expect(shipAction({ status, shipment: shipment({}) }), status).toBeNull();
    }
  });
});

describe('shipRequest', () => {
  const parcel = (company: ParcelDraft['company'], tracking_no: string): ParcelDraft => ({ company, tracking_no });

  it('sends express parcels trimmed, and no parcels for the other methods', () => {
    expect(shipRequest('physical', 'express', [parcel('YTO', ' YT123 '), parcel('SF', 'SF9')])).toEqual({
      ok: true,
      body: { method: 'express', parcels: [{ company: 'YTO', tracking_no: 'YT123' }, { company: 'SF', tracking_no: 'SF9' }] },
    });
    expect(shipRequest('physical', 'same_city', [parcel('YTO', 'left over')])).toEqual({ ok: true, body: { method: 'same_city' } });
    expect(shipRequest('pickup', 'pickup', [])).toEqual({ ok: true, body: { method: 'pickup' } });
  });

  it('refuses a method the goods do not allow', () => {
    expect(shipRequest('pickup', 'express', [parcel('YTO', '1')])).toEqual({ ok: false, error: 'ship.methodNotAllowed' });
    expect(shipRequest('physical', 'pickup', [])).toEqual({ ok: false, error: 'ship.methodNotAllowed' });
    expect(shipRequest('virtual', 'express', [parcel('YTO', '1')])).toEqual({ ok: false, error: 'ship.methodNotAllowed' });
  });

  it('wants 1 to 15 parcels, each with a courier of the list and a tracking number of at most 128 bytes', () => {
    expect(shipRequest('physical', 'express', [])).toMatchObject({ ok: false, error: 'ship.noParcels' });
    const many = Array.from({ length: MAX_PARCELS + 1 }, (_, i) => parcel('ZTO', `Z${i}`));
    expect(shipRequest('physical', 'express', many)).toMatchObject({ ok: false, error: 'ship.tooManyParcels', vars: { max: 15 } });
    expect(shipRequest('physical', 'express', many.slice(1)).ok).toBe(true);
    expect(shipRequest('physical', 'express', [parcel('', 'YT1')])).toMatchObject({ ok: false, error: 'ship.noCourier' });
    expect(shipRequest('physical', 'express', [parcel('DBL' as ParcelDraft['company'], 'YT1')])).toMatchObject({ ok: false, error: 'ship.noCourier' });
    expect(shipRequest('physical', 'express', [parcel('YTO', '  ')])).toMatchObject({ ok: false, error: 'ship.noTracking' });
    expect(shipRequest('physical', 'express', [parcel('YTO', 'x'.repeat(128))]).ok).toBe(true);
    expect(shipRequest('physical', 'express', [parcel('YTO', 'x'.repeat(129))])).toMatchObject({ ok: false, error: 'ship.trackingTooLong' });
    expect(shipRequest('physical', 'express', [parcel('YTO', '运'.repeat(43))])).toMatchObject({ ok: false, error: 'ship.trackingTooLong' }); // 129 bytes
  });
});

describe('uploadState', () => {
  it('is pending until WeChat accepts the shipment, refused with WeChat’s reason, uploaded after', () => {
    expect(uploadState(shipment({}))).toBe('pending');
    expect(uploadState(shipment({ refused: 'errcode 10060004: 支付单处于不可发货的状态' }))).toBe('refused');
    expect(uploadState(shipment({ uploaded_at: '2025-03-01T10:00:01Z' }))).toBe('uploaded');
  });

  it('waits again for a re-ship’s own upload', () => {
    expect(uploadState(shipment({ shipped_at: '2025-03-02T10:00:00Z', reships: 1, uploaded_at: '2025-03-01T10:00:01Z' }))).toBe('pending');
  });
});

describe('addressLine', () => {
  it('writes the address as a courier does, leaving out a district that is not given', () => {
    const a: Schemas['ShippingAddress'] = { name: '张三', phone: '13800000000', province: '广东省', city: '广州市', district: '海珠区', detail: '新港中路397号' };
    expect(addressLine(a)).toBe('广东省 广州市 海珠区 新港中路397号');
    expect(addressLine({ ...a, district: '' })).toBe('广东省 广州市 新港中路397号');
  });
});
