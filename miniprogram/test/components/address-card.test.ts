/**
 * @jest-environment jsdom
 */
// address-card: `address` and `editable` flow down; a tap on an editable card goes up as
// `choose`, and the card never writes its own address.
import type { AddressView } from '../../src/utils/format';
import { flush, hasClass, loadComponent, mount, record, tap, text } from './load';

const address: AddressView = { name: '张三', phone: '020-81167888', region: '广东省 广州市 海珠区', detail: '新港中路397号', postalCode: '510000' };

let cardId: string;

beforeAll(() => {
  cardId = loadComponent('address-card');
});

describe('address-card', () => {
  test('without an address it asks for one; a tap goes up as choose', async () => {
    const card = mount(cardId, { address: null });
    const chosen = record<object>(card, 'choose');
    expect(text(card, '.placeholder')).toBe('请选择收货地址');
    expect(hasClass(card, '.card', 'editable')).toBe(true);

    tap(card, '.card');
    await flush();
    expect(chosen).toEqual([{}]);
    expect(card.data.address).toBeNull(); // the page's property: the card asks WeChat for nothing
  });

  test('the address from the page flows down', () => {
    const card = mount(cardId, { address: null });
    card.setData({ address });
    expect(text(card, '.name')).toBe('张三');
    expect(text(card, '.phone')).toBe('020-81167888');
    expect(text(card, '.where')).toBe('广东省 广州市 海珠区 新港中路397号');
    expect(card.querySelector('.placeholder')).toBeUndefined();
  });

  test('read-only (an order already placed): no arrow, and a tap says nothing', async () => {
    const card = mount(cardId, { address, editable: false });
    const chosen = record<object>(card, 'choose');
    expect(card.querySelector('.arrow')).toBeUndefined();
    expect(hasClass(card, '.card', 'editable')).toBe(false);

    tap(card, '.card');
    await flush();
    expect(chosen).toEqual([]);
  });
});
