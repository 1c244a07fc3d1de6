/**
 * @jest-environment jsdom
 */
// product-card: `product` and `quantity` flow down (name, ¥ price, stock, the
// stepper's value and max), the stepper's change flows up re-emitted as
// {productId, quantity}, and "立即购买" emits `buy`.
import type { Product } from '../../src/api/index';
import { SimComponent, flush, hasClass, loadComponent, mount, record, tap, text } from './load';

type Detail = { productId: string; quantity: number };

const coffee: Product = {
  id: '6f1c1d2e-0000-4000-8000-000000000001',
  name: '挂耳咖啡',
  description: '10 包装',
  price_fen: 1280,
  stock: 3,
  kind: 'pickup',
};

let cardId: string;

beforeAll(() => {
  cardId = loadComponent('product-card');
});

function stepperOf(card: SimComponent): SimComponent {
  const stepper = card.querySelector('.stepper');
  if (!stepper) throw new Error('no stepper');
  return stepper;
}

describe('product-card', () => {
  test('renders the product: name, price in yuan, stock', () => {
    const card = mount(cardId, { product: coffee });
    expect(text(card, '.name')).toBe('挂耳咖啡');
    expect(text(card, '.price')).toBe('¥12.80');
    expect(text(card, '.stock')).toBe('库存 3');
    expect(stepperOf(card).data).toMatchObject({ value: 0, min: 0, max: 3 });
  });

  test('says how the product reaches the buyer', () => {
    const card = mount(cardId, { product: coffee });
    expect(text(card, '.kind')).toBe('到店自提');
    card.setData({ product: { ...coffee, kind: 'physical' } });
    expect(text(card, '.kind')).toBe('快递配送');
    expect(hasClass(card, '.kind', 'kind-physical')).toBe(true);
    card.setData({ product: { ...coffee, kind: 'virtual' } });
    expect(text(card, '.kind')).toBe('虚拟商品');
  });

  test('a new quantity from the page flows down to the stepper', () => {
    const card = mount(cardId, { product: coffee, quantity: 0 });
    expect(hasClass(card, '.card', 'selected')).toBe(false);

    card.setData({ quantity: 2 });
    expect(text(stepperOf(card), '.value')).toBe('2');
    expect(hasClass(card, '.card', 'selected')).toBe(true); // the quantity observer ran
  });

  test('a new product re-renders the price and the stepper limit', () => {
    const card = mount(cardId, { product: coffee, quantity: 3 });
    const changes = record<Detail>(card, 'change');

    card.setData({ product: { ...coffee, price_fen: 1990, stock: 1 } });
    expect(text(card, '.price')).toBe('¥19.90');
    expect(stepperOf(card).data.max).toBe(1);
    // the stepper shows 3 clamped to 1; the page clamps its own quantity when it
    // loads products (pages/home/logic.ts), so nothing goes up for a value it set
    expect(text(stepperOf(card), '.value')).toBe('1');
    expect(changes).toEqual([]);
  });

  test("the stepper's change goes up as {productId, quantity}", async () => {
    const card = mount(cardId, { product: coffee, quantity: 1 });
    const changes = record<Detail>(card, 'change');

    tap(stepperOf(card), '.plus');
    await flush();
    expect(changes).toEqual([{ productId: coffee.id, quantity: 2 }]);
    expect(card.data.quantity).toBe(1); // the page's property: the card does not write it
    card.setData({ quantity: 2 }); // the page writes it back
    expect(text(stepperOf(card), '.value')).toBe('2');
    expect(hasClass(card, '.card', 'selected')).toBe(true);
  });

  test('the stepper stops at the stock', async () => {
    const card = mount(cardId, { product: coffee, quantity: 3 });
    const changes = record<Detail>(card, 'change');

    tap(stepperOf(card), '.plus');
    await flush();
    expect(changes).toEqual([]);
    expect(hasClass(stepperOf(card), '.plus', 'disabled')).toBe(true);
  });

  test('立即购买 emits buy with at least one piece', async () => {
    const card = mount(cardId, { product: coffee });
    const buys = record<Detail>(card, 'buy');

    tap(card, '.buy');
    await flush();
    expect(buys).toEqual([{ productId: coffee.id, quantity: 1 }]);
  });

  test('sold out: says so and offers neither stepper nor buy button', () => {
    const card = mount(cardId, { product: { ...coffee, stock: 0 } });
    expect(text(card, '.stock')).toBe('已售罄');
    expect(card.querySelector('.stepper')).toBeUndefined();
    expect(card.querySelector('.buy')).toBeUndefined();
    expect(hasClass(card, '.card', 'sold-out')).toBe(true);
  });
});
