/**
 * @jest-environment jsdom
 */
// shipment-card: the shipment, `shipped`, `confirmable` and `busy` flow down from the order
// detail page; 确认收货 goes up as `confirm`, only when it can do something.
import type { ShipmentView } from '../../src/utils/format';
import { shipmentView } from '../../src/utils/format';
import { shipment } from '../pages/fakes';
import { SimComponent, flush, hasClass, loadComponent, mount, record, tap, text } from './load';

let cardId: string;

beforeAll(() => {
  cardId = loadComponent('shipment-card');
});

const express = shipmentView(shipment()) as ShipmentView;

function texts(card: SimComponent, selector: string): string[] {
  return card.querySelectorAll(selector).map((n) => (n.dom?.textContent ?? '').replace(/\s+/g, ' ').trim());
}

describe('shipment-card', () => {
  test('express: the method, each courier with its tracking number, and that WeChat has it', () => {
    const card = mount(cardId, { shipment: express, shipped: true, confirmable: true });
    expect(text(card, '.method')).toBe('快递');
    expect(texts(card, '.company')).toEqual(['顺丰速运', '圆通速递']);
    expect(texts(card, '.tracking')).toEqual(['SF1234567890', 'YT9876543210']);
    expect(text(card, '.upload')).toBe('已同步至微信');
    expect(hasClass(card, '.upload', 'uploaded')).toBe(true);
    expect(texts(card, '.confirm')).toEqual(['确认收货']);
    expect(card.querySelector('.hint')).toBeUndefined();
  });

  test('确认收货 goes up as confirm', async () => {
    const card = mount(cardId, { shipment: express, shipped: true, confirmable: true });
    const confirms = record<object>(card, 'confirm');
    tap(card, '.confirm');
    await flush();
    expect(confirms).toEqual([{}]);
  });

  test('not yet with WeChat: the button is there, disabled, says why, and a tap says nothing', async () => {
    const pending = shipmentView(shipment({ uploaded_at: undefined })) as ShipmentView;
    const card = mount(cardId, { shipment: pending, shipped: true, confirmable: false });
    const confirms = record<object>(card, 'confirm');
    expect(text(card, '.upload')).toBe('正在同步至微信');
    expect(text(card, '.hint')).toBe('发货信息同步至微信后即可确认收货');
    expect(texts(card, '.confirm')).toEqual(['确认收货']);

    tap(card, '.confirm');
    await flush();
    expect(confirms).toEqual([]);
  });

  test('busy (the page is opening it): a second tap says nothing', async () => {
    const card = mount(cardId, { shipment: express, shipped: true, confirmable: true, busy: true });
    const confirms = record<object>(card, 'confirm');
    tap(card, '.confirm');
    await flush();
    expect(confirms).toEqual([]);
  });

  test('received (no longer shipped): the shipment without the button; a new status from the page flows down', () => {
    const card = mount(cardId, { shipment: express, shipped: true, confirmable: true });
    card.setData({ shipped: false, confirmable: false });
    expect(card.querySelector('.confirm')).toBeUndefined();
    expect(texts(card, '.parcel')).toHaveLength(2);
  });

  test('nothing shipped: nothing shown', () => {
    const card = mount(cardId, { shipment: null });
    expect(card.querySelector('.card')).toBeUndefined();
  });
});
