// Order detail: the server's order, cancel (after confirming) and pay while pending; once
// shipped, the shipment and 确认收货, whose answer is the server's.
import { OrderDetailController, OrderDetailData, initialOrderDetailData } from '../../src/pages/order-detail/logic';
import { RECEIPT_APP_ID, RECEIPT_PENDING_KEY, ReceiptState, receiptReturned } from '../../src/utils/receipt';
import { FakeView, FakeWx, TRANSACTION_ID, apiError, order, opsClient, settle, shipment, shippedOrder } from './fakes';

function setup() {
  const wx = new FakeWx();
  const view = new FakeView<OrderDetailData>(initialOrderDetailData());
  const client = { getOrder: jest.fn(), cancelOrder: jest.fn(), confirmReceipt: jest.fn() };
  const receipts: ReceiptState = {}; // the app's globalData
  return { wx, view, client, receipts, ctrl: new OrderDetailController(view, opsClient(client), wx, receipts) };
}

const ID = order().id;

describe('order detail page', () => {
  test('opened without an id: an error with a way back, and nothing asked', () => {
    const { view, client, ctrl } = setup();
    ctrl.missing();
    expect(view.data).toMatchObject({ orderId: '', loading: false, loadError: '没有指定订单' });
    expect(client.getOrder).not.toHaveBeenCalled();
  });

  test('shows the order as the server has it', async () => {
    const { view, client, ctrl } = setup();
    client.getOrder.mockResolvedValue(order('pending'));
    await ctrl.load(ID);
    expect(client.getOrder).toHaveBeenCalledWith(ID);
    expect(view.data.order).toMatchObject({
      statusText: '待支付',
      totalText: '¥25.60',
      payable: true,
      lines: [{ name: '挂耳咖啡', quantity: 2, unitPriceText: '¥12.80', subtotalText: '¥25.60' }],
    });
  });

  test('去支付 opens the pay page for a pending order', async () => {
    const { wx, client, ctrl } = setup();
    client.getOrder.mockResolvedValue(order('pending'));
    await ctrl.load(ID);
    ctrl.pay();
    expect(wx.navigations).toEqual([`navigateTo /pages/pay/index?orderId=${ID}`]);
  });

  test('no paying a paid or expired order', async () => {
    const { wx, client, ctrl } = setup();
    client.getOrder.mockResolvedValueOnce(order('paid'));
    await ctrl.load(ID);
    ctrl.pay();
    client.getOrder.mockResolvedValueOnce(order('pending', { expires_at: '2000-01-01T00:00:00Z' }));
    await ctrl.load(ID);
    ctrl.pay();
    expect(wx.navigations).toEqual([]);
  });

  test('取消订单 cancels after the user confirms', async () => {
    const { wx, view, client, ctrl } = setup();
    client.getOrder.mockResolvedValue(order('pending'));
    client.cancelOrder.mockResolvedValue(order('cancelled'));
    await ctrl.load(ID);

    await ctrl.cancel();

    expect(client.cancelOrder).toHaveBeenCalledWith(ID);
    expect(view.data.order).toMatchObject({ status: 'cancelled', statusText: '已取消', payable: false });
    expect(wx.toastTitles()).toEqual(['订单已取消']);
    expect(view.data.busy).toBe(false);
  });

  test('declining the confirmation cancels nothing', async () => {
    const { wx, client, ctrl } = setup();
    client.getOrder.mockResolvedValue(order('pending'));
    await ctrl.load(ID);
    wx.modalAnswers = [false];

    await ctrl.cancel();
    expect(client.cancelOrder).not.toHaveBeenCalled();
  });

  test('paid meanwhile: says it cannot be cancelled and shows it paid', async () => {
    const { wx, view, client, ctrl } = setup();
    client.getOrder.mockResolvedValueOnce(order('pending')).mockResolvedValueOnce(order('paid'));
    client.cancelOrder.mockRejectedValue(apiError(409, 'order_not_cancellable'));
    await ctrl.load(ID);

    await ctrl.cancel();

    expect(wx.toastTitles()).toEqual(['订单已支付，无法取消']);
    expect(view.data.order?.status).toBe('paid');
  });
});

describe('order detail page: shipping and 确认收货', () => {
  test('a shipped order: 已发货, the address, the couriers with their tracking numbers, WeChat has it', async () => {
    const { view, client, ctrl } = setup();
    client.getOrder.mockResolvedValue(shippedOrder('shipped', { shipment: shipment({ reships: 1 }) }));
    await ctrl.load(ID);
    expect(view.data.order).toMatchObject({
      statusText: '已发货',
      kindText: '快递配送',
      transactionId: TRANSACTION_ID,
      address: { name: '张三', phone: '020-81167888', region: '广东省 广州市 海珠区', detail: '新港中路397号', postalCode: '510000' },
      shipment: {
        methodText: '快递',
        parcels: [
          { companyText: '顺丰速运', trackingNo: 'SF1234567890' },
          { companyText: '圆通速递', trackingNo: 'YT9876543210' },
        ],
        reshipped: true,
        uploaded: true,
        uploadText: '已同步至微信',
      },
      shipped: true,
      confirmable: true,
      payable: false,
    });
  });

  test('shipped but not yet known to WeChat: the button shows and cannot open; a refusal says so', async () => {
    const { wx, view, client, ctrl } = setup();
    client.getOrder.mockResolvedValue(shippedOrder('shipped', { shipment: shipment({ uploaded_at: undefined }) }));
    await ctrl.load(ID);
    expect(view.data.order).toMatchObject({ shipped: true, confirmable: false, shipment: { uploaded: false, uploadText: '正在同步至微信' } });
    await ctrl.confirmReceipt();
    expect(wx.businessViews).toEqual([]);

    client.getOrder.mockResolvedValue(shippedOrder('shipped', { shipment: shipment({ uploaded_at: undefined, refused: '10060004' }) }));
    await ctrl.load(ID);
    expect(view.data.order?.shipment?.uploadText).toBe('微信暂未接受，客服处理中');
  });

  test.each([
    ['received', '已收货', '2025-11-25'],
    ['completed', '已完成', '2025-11-25'],
  ] as const)('%s: %s, with when, and no 确认收货', async (status, text, day) => {
    const { view, client, ctrl } = setup();
    client.getOrder.mockResolvedValue(shippedOrder(status));
    await ctrl.load(ID);
    expect(view.data.order).toMatchObject({ statusText: text, shipped: false, confirmable: false });
    expect(view.data.order?.receivedText).toContain(day);
    if (status === 'completed') expect(view.data.order?.completedText).toContain('2025-11-26');
  });

  test('virtual goods ship on payment: 虚拟发货, no address, no parcels', async () => {
    const { view, client, ctrl } = setup();
    client.getOrder.mockResolvedValue(
      shippedOrder('shipped', { kind: 'virtual', address: undefined, shipment: shipment({ method: 'virtual', parcels: [] }) }),
    );
    await ctrl.load(ID);
    expect(view.data.order).toMatchObject({ kindText: '虚拟商品', address: null, shipment: { methodText: '虚拟发货（无需物流）', parcels: [] } });
  });

  test("确认收货 opens WeChat's page for the payment and remembers the order; nothing changes until the way back", async () => {
    const { wx, view, client, receipts, ctrl } = setup();
    client.getOrder.mockResolvedValue(shippedOrder());
    await ctrl.load(ID);

    await ctrl.confirmReceipt();

    expect(wx.businessViews).toEqual([expect.objectContaining({ businessType: 'weappOrderConfirm', extraData: { transaction_id: TRANSACTION_ID } })]);
    expect(receipts.receiptPending).toEqual({ orderId: ID, transactionId: TRANSACTION_ID });
    expect(wx.storage.has(RECEIPT_PENDING_KEY)).toBe(true);
    expect(client.confirmReceipt).not.toHaveBeenCalled(); // the page's word is not asked for here
    expect(view.data).toMatchObject({ busy: false, order: { status: 'shipped' } });
  });

  test('a WeChat too old for it: a message, nothing opened', async () => {
    const { wx, client, ctrl } = setup();
    client.getOrder.mockResolvedValue(shippedOrder());
    await ctrl.load(ID);
    wx.cannotUse.add('openBusinessView');

    await ctrl.confirmReceipt();
    expect(wx.toastTitles()).toEqual(['当前微信版本过低，请升级微信后再确认收货']);
    expect(wx.businessViews).toEqual([]);
  });

  test('a page that will not open: a message, and the button works again', async () => {
    const { wx, view, client, receipts, ctrl } = setup();
    client.getOrder.mockResolvedValue(shippedOrder());
    await ctrl.load(ID);
    wx.businessViewOutcomes = [{ errMsg: 'openBusinessView:fail' }];

    await ctrl.confirmReceipt();
    expect(wx.toastTitles()).toEqual(['无法打开确认收货，请稍后重试']);
    expect(receipts.receiptPending).toBeUndefined();
    expect(view.data.busy).toBe(false);
  });

  test("back from WeChat: the page shows the server's answer instead of reading the order again", async () => {
    const { wx, view, client, receipts, ctrl } = setup();
    client.getOrder.mockResolvedValue(shippedOrder());
    client.confirmReceipt.mockResolvedValue(shippedOrder('received'));
    await ctrl.load(ID);
    await ctrl.confirmReceipt();

    // App.onShow, then the page's onShow
    receiptReturned({ wx, state: receipts, client: opsClient(client) }, { appId: RECEIPT_APP_ID, extraData: { status: 'success' } });
    await ctrl.show(ID);

    expect(client.confirmReceipt).toHaveBeenCalledWith(ID);
    expect(client.getOrder).toHaveBeenCalledTimes(1); // only the first load
    expect(view.data.order).toMatchObject({ status: 'received', statusText: '已收货', confirmable: false });
    expect(wx.toastTitles()).toEqual(['已确认收货']);
    expect(wx.loadingDepth).toBe(0);

    await ctrl.show(ID); // shown again later: an ordinary reload
    expect(client.getOrder).toHaveBeenCalledTimes(2);
  });

  test('back with cancel: a message, and the order as the server has it', async () => {
    const { wx, view, client, receipts, ctrl } = setup();
    client.getOrder.mockResolvedValue(shippedOrder());
    client.confirmReceipt.mockResolvedValue(shippedOrder());
    await ctrl.load(ID);
    await ctrl.confirmReceipt();

    receiptReturned({ wx, state: receipts, client: opsClient(client) }, { appId: RECEIPT_APP_ID, extraData: { status: 'cancel' } });
    await ctrl.show(ID);

    expect(view.data.order).toMatchObject({ status: 'shipped', confirmable: true });
    expect(wx.toastTitles()).toEqual(['已取消确认收货']);
  });

  test('back, and the server does not answer: the order is read again, and why it says so', async () => {
    const { wx, view, client, receipts, ctrl } = setup();
    client.getOrder.mockResolvedValue(shippedOrder());
    client.confirmReceipt.mockRejectedValue(apiError(503, 'wechat_unavailable'));
    await ctrl.load(ID);
    await ctrl.confirmReceipt();

    receiptReturned({ wx, state: receipts, client: opsClient(client) }, { appId: RECEIPT_APP_ID, extraData: { status: 'fail' } });
    await ctrl.show(ID);
    await settle();

    expect(client.getOrder).toHaveBeenCalledTimes(2);
    expect(view.data.order?.status).toBe('shipped');
    expect(wx.toastTitles()).toEqual(['微信服务繁忙，请稍后再试']);
  });
});
