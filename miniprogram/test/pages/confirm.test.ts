// The confirmation page's logic: lines and an estimate from the catalog,
// one Idempotency-Key per confirmation (a double tap or a retry cannot make
// two orders), and the hand-over to the pay page.
import { ConfirmController, ConfirmData, initialConfirmData } from '../../src/pages/confirm/logic';
import { encodeItems } from '../../src/utils/cart';
import { takeCheckout } from '../../src/utils/handoff';
import { COFFEE, FakeView, FakeWx, TEA, apiError, checkout, order, opsClient } from './fakes';

function setup() {
  const wx = new FakeWx();
  const view = new FakeView<ConfirmData>(initialConfirmData());
  const client = { listProducts: jest.fn(), placeOrder: jest.fn() };
  client.listProducts.mockResolvedValue({ items: [COFFEE, TEA] });
  let n = 0;
  const ctrl = new ConfirmController(view, opsClient(client), wx, () => `key-${++n}`);
  return { wx, view, client, ctrl };
}

const ITEMS = encodeItems([
  { product_id: COFFEE.id, quantity: 2 },
  { product_id: TEA.id, quantity: 1 },
]);

describe('confirm page', () => {
  test('shows the chosen lines and a labelled estimate', async () => {
    const { view, ctrl } = setup();
    await ctrl.load(ITEMS);

    expect(view.data.lines).toEqual([
      { productId: COFFEE.id, name: '挂耳咖啡', quantity: 2, max: 5, unitPriceText: '¥12.80', subtotalText: '¥25.60' },
      { productId: TEA.id, name: '乌龙茶', quantity: 1, max: 2, unitPriceText: '¥9.90', subtotalText: '¥9.90' },
    ]);
    expect(view.data.estimateText).toBe('¥35.50');
  });

  test('drops products that are gone and says so', async () => {
    const { wx, view, client, ctrl } = setup();
    client.listProducts.mockResolvedValue({ items: [COFFEE] });
    await ctrl.load(ITEMS);

    expect(view.data.lines.map((l) => l.productId)).toEqual([COFFEE.id]);
    expect(wx.toastTitles()).toEqual(['部分商品已售罄或下架']);
  });

  test('立即购买 places the order with the key and goes to the pay page', async () => {
    const { wx, client, ctrl } = setup();
    const placed = checkout(order());
    client.placeOrder.mockResolvedValue(placed);
    await ctrl.load(ITEMS);

    await ctrl.submit();

    expect(client.placeOrder).toHaveBeenCalledWith(
      [
        { product_id: COFFEE.id, quantity: 2 },
        { product_id: TEA.id, quantity: 1 },
      ],
      'key-1',
    );
    expect(wx.navigations).toEqual([`redirectTo /pages/pay/index?orderId=${placed.order.id}`]);
    expect(takeCheckout(placed.order.id)).toBe(placed); // handed to the pay page
    expect(wx.loadingDepth).toBe(0);
  });

  test('a double tap places one order', async () => {
    const { client, ctrl } = setup();
    client.placeOrder.mockResolvedValue(checkout());
    await ctrl.load(ITEMS);

    await Promise.all([ctrl.submit(), ctrl.submit()]);

    expect(client.placeOrder).toHaveBeenCalledTimes(1);
  });

  test('a retry after a lost answer sends the same key, so the server returns the same order', async () => {
    const { wx, client, ctrl } = setup();
    client.placeOrder.mockRejectedValueOnce(apiError(0, 'network_error')).mockResolvedValueOnce(checkout());
    await ctrl.load(ITEMS);

    await ctrl.submit();
    expect(wx.toastTitles()).toEqual(['网络异常，请检查网络后重试']);
    expect(wx.navigations).toEqual([]);

    await ctrl.submit();
    expect(client.placeOrder.mock.calls.map((c) => c[1])).toEqual(['key-1', 'key-1']);
    expect(wx.navigations).toHaveLength(1);
  });

  test('changing a quantity is a new order: a new key', async () => {
    const { view, client, ctrl } = setup();
    client.placeOrder.mockResolvedValue(checkout());
    await ctrl.load(ITEMS);

    ctrl.changeQuantity(COFFEE.id, 3);
    expect(view.data.lines[0]).toMatchObject({ quantity: 3, subtotalText: '¥38.40' });
    expect(view.data.estimateText).toBe('¥48.30');
    await ctrl.submit();

    expect(client.placeOrder).toHaveBeenCalledWith(
      [
        { product_id: COFFEE.id, quantity: 3 },
        { product_id: TEA.id, quantity: 1 },
      ],
      'key-2',
    );
  });

  test('out of stock: 库存不足, fresh stock, and the page stays', async () => {
    const { wx, view, client, ctrl } = setup();
    client.placeOrder.mockRejectedValue(apiError(409, 'out_of_stock'));
    await ctrl.load(ITEMS);
    client.listProducts.mockResolvedValue({ items: [{ ...COFFEE, stock: 1 }, TEA] });

    await ctrl.submit();

    expect(wx.toastTitles()[0]).toBe('库存不足');
    expect(client.listProducts).toHaveBeenCalledTimes(2);
    expect(view.data.lines[0]).toMatchObject({ quantity: 1, max: 1 }); // clamped to the new stock
    expect(wx.navigations).toEqual([]);
    expect(view.data.submitting).toBe(false);
    expect(ctrl.key).not.toBe('key-1'); // refused, so the next attempt is a new request
  });

  test('WeChat Pay unavailable after the order exists: on to its pay page', async () => {
    const { wx, client, ctrl } = setup();
    const id = order().id;
    client.placeOrder.mockRejectedValue(apiError(503, 'wechatpay_unavailable', id));
    await ctrl.load(ITEMS);

    await ctrl.submit();

    expect(wx.toastTitles()).toEqual(['支付服务繁忙，请稍后再试']);
    expect(wx.navigations).toEqual([`redirectTo /pages/pay/index?orderId=${id}`]);
  });
});
