// Order detail: the server's order, cancel (after confirming) and pay while pending.
import { OrderDetailController, OrderDetailData, initialOrderDetailData } from '../../src/pages/order-detail/logic';
import { FakeView, FakeWx, apiError, order, opsClient } from './fakes';

function setup() {
  const wx = new FakeWx();
  const view = new FakeView<OrderDetailData>(initialOrderDetailData());
  const client = { getOrder: jest.fn(), cancelOrder: jest.fn() };
  return { wx, view, client, ctrl: new OrderDetailController(view, opsClient(client), wx) };
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
