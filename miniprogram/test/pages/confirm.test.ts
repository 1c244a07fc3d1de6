// The confirmation page's logic: lines and an estimate from the catalog,
// one Idempotency-Key per confirmation (a double tap or a retry cannot make
// two orders), and the hand-over to the pay page.
import { ConfirmController, ConfirmData, initialConfirmData } from '../../src/pages/confirm/logic';
import { encodeItems } from '../../src/utils/cart';
import { takeCheckout } from '../../src/utils/handoff';
import { ADDRESS, CARD, COFFEE, FakeView, FakeWx, MUG, PICKED, TEA, apiError, checkout, order, opsClient } from './fakes';

function setup() {
  const wx = new FakeWx();
  const view = new FakeView<ConfirmData>(initialConfirmData());
  const client = { listProducts: jest.fn(), placeOrder: jest.fn() };
  client.listProducts.mockResolvedValue({ items: [COFFEE, TEA, MUG, CARD] });
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
      { productId: COFFEE.id, name: '挂耳咖啡', quantity: 2, max: 5, unitPriceText: '¥12.80', subtotalText: '¥25.60', kindText: '到店自提' },
      { productId: TEA.id, name: '乌龙茶', quantity: 1, max: 2, unitPriceText: '¥9.90', subtotalText: '¥9.90', kindText: '到店自提' },
    ]);
    expect(view.data.estimateText).toBe('¥35.50');
    expect(view.data.needsAddress).toBe(false); // nothing to send
    expect(view.data.address).toBeNull();
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
    expect(wx.chooseAddressCalls).toBe(0); // no physical goods, no address asked or sent
    expect(client.placeOrder.mock.calls[0]).toHaveLength(2);
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

describe('confirm page: physical goods need an address', () => {
  const WITH_MUG = encodeItems([
    { product_id: COFFEE.id, quantity: 1 },
    { product_id: MUG.id, quantity: 1 },
  ]);

  test('a cart with a physical product asks for an address; pickup and virtual goods do not', async () => {
    const { view, ctrl } = setup();
    await ctrl.load(encodeItems([{ product_id: COFFEE.id, quantity: 1 }, { product_id: CARD.id, quantity: 1 }]));
    expect(view.data.needsAddress).toBe(false);
    expect(view.data.lines.map((l) => l.kindText)).toEqual(['到店自提', '虚拟商品']);

    const second = setup();
    await second.ctrl.load(WITH_MUG);
    expect(second.view.data.needsAddress).toBe(true);
    expect(second.view.data.lines.map((l) => l.kindText)).toEqual(['到店自提', '快递配送']);
  });

  test('the chosen address is shown, and sent with the order as ShippingAddress', async () => {
    const { wx, view, client, ctrl } = setup();
    client.placeOrder.mockResolvedValue(checkout());
    await ctrl.load(WITH_MUG);

    await expect(ctrl.chooseAddress()).resolves.toBe(true);
    expect(view.data.address).toEqual({ name: '张三', phone: '020-81167888', region: '广东省 广州市 海珠区', detail: '新港中路397号', postalCode: '510000' });

    await ctrl.submit();
    expect(client.placeOrder).toHaveBeenCalledWith(
      [
        { product_id: COFFEE.id, quantity: 1 },
        { product_id: MUG.id, quantity: 1 },
      ],
      'key-1',
      ADDRESS,
    );
    expect(wx.chooseAddressCalls).toBe(1);
  });

  test('立即购买 without an address asks for one first, then places the order', async () => {
    const { wx, client, ctrl } = setup();
    client.placeOrder.mockResolvedValue(checkout());
    await ctrl.load(WITH_MUG);

    await ctrl.submit();

    expect(wx.chooseAddressCalls).toBe(1);
    expect(client.placeOrder).toHaveBeenCalledWith(expect.any(Array), 'key-1', ADDRESS);
    expect(wx.navigations).toEqual([`redirectTo /pages/pay/index?orderId=${order().id}`]);
  });

  test('what wx.chooseAddress leaves empty is left off; an address without a street is refused here', async () => {
    const { wx, client, ctrl } = setup();
    client.placeOrder.mockResolvedValue(checkout());
    await ctrl.load(WITH_MUG);
    wx.addressOutcomes = [{ ...PICKED, countyName: '', postalCode: '000' }];
    await ctrl.submit();
    const { district, postal_code, ...rest } = ADDRESS;
    expect(client.placeOrder).toHaveBeenCalledWith(expect.any(Array), 'key-1', rest);
    void district;
    void postal_code;

    const second = setup();
    await second.ctrl.load(WITH_MUG);
    second.wx.addressOutcomes = [{ ...PICKED, detailInfo: '  ' }];
    await second.ctrl.submit();
    expect(second.client.placeOrder).not.toHaveBeenCalled();
    expect(second.wx.toastTitles()).toEqual(['收货地址不完整，请重新选择']);
    expect(second.view.data.submitting).toBe(false);
  });

  test.each([
    ['the user closes the picker', { errMsg: 'chooseAddress:fail cancel' }, '未选择收货地址'],
    ['the user declines the privacy guide', { errMsg: 'chooseAddress:fail privacy permission is not authorized', errno: 104 }, '同意隐私保护指引后才能选择收货地址'],
    ['the build does not declare the API', { errMsg: 'chooseAddress:fail api scope is not declared in the privacy agreement', errno: 112 }, '当前版本暂不支持选择收货地址'],
    ['requiredPrivateInfos lacks it', { errMsg: 'chooseAddress:fail the api need to be declared in the requiredPrivateInfos field in app.json/ext.json' }, '当前版本暂不支持选择收货地址'],
    ['anything else', { errMsg: 'chooseAddress:fail system error' }, '无法获取收货地址，请重试'],
  ])('%s: a message, no order, and the button works again', async (_, fail, message) => {
    const { wx, view, client, ctrl } = setup();
    await ctrl.load(WITH_MUG);
    wx.addressOutcomes = [fail];

    await ctrl.submit();

    expect(wx.toastTitles()).toEqual([message]);
    expect(client.placeOrder).not.toHaveBeenCalled();
    expect(view.data).toMatchObject({ submitting: false, address: null });
    expect(wx.openSettingCalls).toBe(0);
  });

  test('the address permission refused: the way to the settings, where it can be allowed', async () => {
    const { wx, client, ctrl } = setup();
    await ctrl.load(WITH_MUG);
    wx.addressOutcomes = [{ errMsg: 'chooseAddress:fail auth deny' }, { errMsg: 'chooseAddress:fail auth denied' }];

    await ctrl.submit(); // 去设置
    expect(wx.modals).toEqual([expect.objectContaining({ title: '需要通讯地址', confirmText: '去设置' })]);
    expect(wx.openSettingCalls).toBe(1);

    wx.modalAnswers = [false]; // not now
    await ctrl.chooseAddress();
    expect(wx.openSettingCalls).toBe(1);
    expect(client.placeOrder).not.toHaveBeenCalled();
  });

  test('another address is another order: a new key', async () => {
    const { wx, client, ctrl } = setup();
    client.placeOrder.mockRejectedValueOnce(apiError(0, 'network_error')).mockResolvedValue(checkout());
    await ctrl.load(WITH_MUG);
    await ctrl.chooseAddress();
    await ctrl.submit(); // no answer: the same key would be reused for the same body
    expect(ctrl.key).toBe('key-1');

    wx.addressOutcomes = [{ ...PICKED, detailInfo: '阅江西路222号' }];
    await ctrl.chooseAddress();
    await ctrl.submit();
    expect(client.placeOrder.mock.calls.map((c) => [c[1], c[2].detail])).toEqual([
      ['key-1', '新港中路397号'],
      ['key-2', '阅江西路222号'],
    ]);
  });

  test('without the physical line, no address goes out', async () => {
    const { client, ctrl } = setup();
    client.placeOrder.mockResolvedValue(checkout());
    await ctrl.load(WITH_MUG);
    await ctrl.chooseAddress();
    ctrl.removeLine(MUG.id);

    await ctrl.submit();
    expect(client.placeOrder.mock.calls[0]).toEqual([[{ product_id: COFFEE.id, quantity: 1 }], expect.any(String)]);
  });

  test('address_required (the product became physical meanwhile): the catalog again, and the address is asked for', async () => {
    const { wx, view, client, ctrl } = setup();
    client.placeOrder.mockRejectedValueOnce(apiError(400, 'address_required')).mockResolvedValue(checkout());
    await ctrl.load(encodeItems([{ product_id: COFFEE.id, quantity: 1 }]));
    client.listProducts.mockResolvedValue({ items: [{ ...COFFEE, kind: 'physical' }] });

    await ctrl.submit();
    expect(wx.toastTitles()).toEqual(['请先选择收货地址']);
    expect(view.data.needsAddress).toBe(true);

    await ctrl.submit();
    expect(client.placeOrder).toHaveBeenLastCalledWith([{ product_id: COFFEE.id, quantity: 1 }], 'key-2', ADDRESS);
  });
});
