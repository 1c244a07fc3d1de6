// The home page's logic: catalog, quantities, checkout. Its WXML and the
// product-card events are exercised in page-render.test.ts.
import { HomeController, HomeData, initialHomeData } from '../../src/pages/home/logic';
import { decodeItems } from '../../src/utils/cart';
import { COFFEE, FakeView, FakeWx, TEA, apiError, opsClient } from './fakes';

function setup() {
  const wx = new FakeWx();
  const view = new FakeView<HomeData>(initialHomeData());
  const client = { listProducts: jest.fn() };
  client.listProducts.mockResolvedValue({ items: [COFFEE, TEA] });
  return { wx, view, client, ctrl: new HomeController(view, opsClient(client), wx) };
}

function confirmItems(url: string) {
  const m = /^navigateTo \/pages\/confirm\/index\?items=(.*)$/.exec(url);
  if (!m) throw new Error(`not the confirmation page: ${url}`);
  return decodeItems(m[1]);
}

describe('home page logic', () => {
  test('a double tap on 立即购买 opens one confirmation page', async () => {
    const { wx, ctrl } = setup();
    await ctrl.load();
    ctrl.buyNow(COFFEE.id, 1);
    ctrl.buyNow(COFFEE.id, 1);
    expect(wx.navigations).toHaveLength(1);
  });

  test('loads the catalog', async () => {
    const { wx, view, ctrl } = setup();
    await ctrl.load();
    expect(view.data.products).toEqual([COFFEE, TEA]);
    expect(view.data.loading).toBe(false);
    expect(wx.loadingDepth).toBe(0);
  });

  test('a card change updates the quantities, count and labelled estimate', async () => {
    const { view, ctrl } = setup();
    await ctrl.load();
    ctrl.changeQuantity(COFFEE.id, 2);
    ctrl.changeQuantity(TEA.id, 1);
    expect(view.data.quantities).toEqual({ [COFFEE.id]: 2, [TEA.id]: 1 });
    expect(view.data).toMatchObject({ selectedCount: 3, estimateText: '¥35.50' });

    ctrl.changeQuantity(TEA.id, 0);
    expect(view.data.quantities).toEqual({ [COFFEE.id]: 2 });
  });

  test('去结算 takes the chosen lines to the confirmation page', async () => {
    const { wx, ctrl } = setup();
    await ctrl.load();
    ctrl.changeQuantity(TEA.id, 1);
    ctrl.changeQuantity(COFFEE.id, 2);
    ctrl.checkout();
    expect(wx.navigations).toHaveLength(1);
    expect(confirmItems(wx.navigations[0])).toEqual([
      { product_id: COFFEE.id, quantity: 2 },
      { product_id: TEA.id, quantity: 1 },
    ]);
  });

  test('去结算 with nothing chosen asks to choose', async () => {
    const { wx, ctrl } = setup();
    await ctrl.load();
    ctrl.checkout();
    expect(wx.navigations).toEqual([]);
    expect(wx.toastTitles()).toEqual(['请先选择商品']);
  });

  test('立即购买 on a card takes just that product', async () => {
    const { wx, ctrl } = setup();
    await ctrl.load();
    ctrl.buyNow(TEA.id, 1);
    expect(confirmItems(wx.navigations[0])).toEqual([{ product_id: TEA.id, quantity: 1 }]);
  });

  test('a failed load shows the reason and keeps a retry', async () => {
    const { wx, view, client, ctrl } = setup();
    client.listProducts.mockRejectedValueOnce(apiError(0, 'network_error'));
    await ctrl.load();
    expect(wx.toastTitles()).toEqual(['网络异常，请检查网络后重试']);
    expect(view.data.loadError).toBe('网络异常，请检查网络后重试');

    await ctrl.load();
    expect(view.data.loadError).toBe('');
    expect(view.data.products).toHaveLength(2);
  });

  test('a reload keeps choices within the new stock', async () => {
    const { view, client, ctrl } = setup();
    await ctrl.load();
    ctrl.changeQuantity(COFFEE.id, 4);
    client.listProducts.mockResolvedValue({ items: [{ ...COFFEE, stock: 3 }, TEA] });
    await ctrl.load();
    expect(view.data.quantities).toEqual({ [COFFEE.id]: 3 });
  });
});
