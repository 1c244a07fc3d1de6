// The pay page's logic: wx.requestPayment gets exactly the server's
// arguments; after success the page polls until the SERVER says paid; a
// cancelled or failed payment shows a toast and leaves the order pending.
// Polling runs on jest's fake timers: no real waiting, no timed assertions.
import { putCheckout } from '../../utils/handoff';
import { PayController, PayData, initialPayData } from '../../pages/pay/logic';
import { FakeView, FakeWx, apiError, checkout, order, payment, settle } from './fakes';

function setup() {
  const wx = new FakeWx();
  const view = new FakeView<PayData>(initialPayData());
  const client = {
    getOrder: jest.fn(),
    payOrder: jest.fn(),
    cancelOrder: jest.fn(),
  };
  const ctrl = new PayController(view, client, wx);
  return { wx, view, client, ctrl };
}

const ORDER_ID = order().id;

beforeEach(() => {
  jest.useFakeTimers();
});

afterEach(() => {
  jest.useRealTimers();
});

describe('pay page', () => {
  test('hands wx.requestPayment exactly the five server arguments', async () => {
    const { wx, client, ctrl } = setup();
    putCheckout(checkout(order(), payment(7)));
    client.getOrder.mockResolvedValue(order('paid'));

    const done = ctrl.start(ORDER_ID);
    await jest.runAllTimersAsync();
    await done;

    expect(wx.payments).toEqual([payment(7)]);
    expect(wx.paymentKeys).toEqual([['fail', 'nonceStr', 'package', 'paySign', 'signType', 'success', 'timeStamp']]);
    expect(client.payOrder).not.toHaveBeenCalled(); // the handed-over arguments were used
  });

  test('after success it polls until the server says paid', async () => {
    const { wx, view, client, ctrl } = setup();
    putCheckout(checkout());
    client.getOrder
      .mockResolvedValueOnce(order('pending'))
      .mockResolvedValueOnce(order('pending'))
      .mockResolvedValueOnce(order('paid'));

    const done = ctrl.start(ORDER_ID);
    await settle();
    // The sheet said success, yet nothing is paid until the server says so.
    expect(view.data.phase).toBe('confirming');
    expect(view.data.status).toBe('pending');

    await jest.advanceTimersByTimeAsync(1000);
    expect(client.getOrder).toHaveBeenCalledTimes(1);
    expect(view.data.status).toBe('pending');

    await jest.advanceTimersByTimeAsync(1000);
    expect(client.getOrder).toHaveBeenCalledTimes(2);
    expect(view.data.status).toBe('pending');

    await jest.advanceTimersByTimeAsync(1000);
    await done;
    expect(client.getOrder).toHaveBeenCalledTimes(3);
    expect(view.data).toMatchObject({ status: 'paid', statusText: '已支付', phase: 'done' });
    expect(wx.toastTitles()).toEqual(['支付成功']);

    await jest.advanceTimersByTimeAsync(10000);
    expect(client.getOrder).toHaveBeenCalledTimes(3); // stopped at paid
    expect(wx.loadingDepth).toBe(0);
  });

  test('shows the server total, not a client-side sum', async () => {
    const { view, client, ctrl } = setup();
    putCheckout(checkout(order('pending', { total_fen: 2561 })));
    client.getOrder.mockResolvedValue(order('paid', { total_fen: 2561 }));

    const done = ctrl.start(ORDER_ID);
    await jest.runAllTimersAsync();
    await done;
    expect(view.data.order?.totalText).toBe('¥25.61');
  });

  test('cancelling the sheet shows a toast and leaves the order unpaid', async () => {
    const { wx, view, client, ctrl } = setup();
    putCheckout(checkout());
    wx.paymentOutcomes = [{ errMsg: 'requestPayment:fail cancel' }];

    const done = ctrl.start(ORDER_ID);
    await jest.runAllTimersAsync();
    await done;

    expect(wx.toastTitles()).toEqual(['已取消支付']);
    expect(view.data).toMatchObject({ phase: 'failed', status: 'pending', statusText: '待支付' });
    expect(client.getOrder).not.toHaveBeenCalled(); // nothing polled, nothing claimed paid
    expect(wx.loadingDepth).toBe(0);
  });

  test('a failed payment shows a toast and leaves the order unpaid', async () => {
    const { wx, view, client, ctrl } = setup();
    putCheckout(checkout());
    wx.paymentOutcomes = [{ errMsg: 'requestPayment:fail insufficient balance' }];

    const done = ctrl.start(ORDER_ID);
    await jest.runAllTimersAsync();
    await done;

    expect(wx.toastTitles()).toEqual(['支付失败，请重试']);
    expect(view.data.phase).toBe('failed');
    expect(view.data.status).toBe('pending');
    expect(client.getOrder).not.toHaveBeenCalled();
  });

  test('重新支付 asks the server for fresh arguments and pays with those', async () => {
    const { wx, view, client, ctrl } = setup();
    putCheckout(checkout(order(), payment(1)));
    wx.paymentOutcomes = [{ errMsg: 'requestPayment:fail cancel' }, 'success'];
    client.payOrder.mockResolvedValue(checkout(order(), payment(2)));
    client.getOrder.mockResolvedValue(order('paid'));

    const first = ctrl.start(ORDER_ID);
    await jest.runAllTimersAsync();
    await first;
    expect(view.data.phase).toBe('failed');

    const again = ctrl.retry();
    await jest.runAllTimersAsync();
    await again;

    expect(client.payOrder).toHaveBeenCalledWith(ORDER_ID);
    expect(wx.payments).toEqual([payment(1), payment(2)]);
    expect(view.data).toMatchObject({ phase: 'done', status: 'paid' });
  });

  test('polling is bounded: still pending after 15 tries means unconfirmed, not paid', async () => {
    const { wx, view, client, ctrl } = setup();
    putCheckout(checkout());
    client.getOrder.mockResolvedValue(order('pending'));

    const done = ctrl.start(ORDER_ID);
    await jest.runAllTimersAsync();
    await done;

    expect(client.getOrder).toHaveBeenCalledTimes(15);
    expect(view.data).toMatchObject({ phase: 'unconfirmed', status: 'pending' });
    expect(wx.toastTitles()).toEqual(['支付结果确认中，请稍后在订单中查看']);
    expect(wx.loadingDepth).toBe(0);
  });

  test('a lost answer while polling is not a verdict: it asks again', async () => {
    const { view, client, ctrl } = setup();
    putCheckout(checkout());
    client.getOrder.mockRejectedValueOnce(apiError(0, 'network_error')).mockResolvedValueOnce(order('paid'));

    const done = ctrl.start(ORDER_ID);
    await jest.runAllTimersAsync();
    await done;

    expect(client.getOrder).toHaveBeenCalledTimes(2);
    expect(view.data.status).toBe('paid');
  });

  test('opened from an order: fetches fresh arguments with POST /pay', async () => {
    const { wx, view, client, ctrl } = setup();
    client.payOrder.mockResolvedValue(checkout(order(), payment(3)));
    client.getOrder.mockResolvedValue(order('paid'));

    const done = ctrl.start(ORDER_ID);
    await jest.runAllTimersAsync();
    await done;

    expect(client.payOrder).toHaveBeenCalledWith(ORDER_ID);
    expect(wx.payments).toEqual([payment(3)]);
    expect(view.data.status).toBe('paid');
  });

  test('WeChat Pay unavailable: says so, order pending, retry offered', async () => {
    const { wx, view, client, ctrl } = setup();
    client.payOrder.mockRejectedValue(apiError(503, 'wechatpay_unavailable', ORDER_ID));

    await ctrl.start(ORDER_ID);

    expect(wx.toastTitles()).toEqual(['支付服务繁忙，请稍后再试']);
    expect(wx.payments).toEqual([]);
    expect(view.data.phase).toBe('failed');
  });

  test('an order that is no longer payable shows its status from the server', async () => {
    const { wx, view, client, ctrl } = setup();
    client.payOrder.mockRejectedValue(apiError(409, 'order_not_payable'));
    client.getOrder.mockResolvedValue(order('expired'));

    await ctrl.start(ORDER_ID);

    expect(wx.toastTitles()).toEqual(['订单已支付、取消或过期']);
    expect(view.data).toMatchObject({ phase: 'done', status: 'expired', statusText: '已过期' });
    expect(wx.payments).toEqual([]);
  });

  test('取消订单 cancels on the server after the user confirms', async () => {
    const { wx, view, client, ctrl } = setup();
    putCheckout(checkout());
    wx.paymentOutcomes = [{ errMsg: 'requestPayment:fail cancel' }];
    client.cancelOrder.mockResolvedValue(order('cancelled'));

    const started = ctrl.start(ORDER_ID);
    await jest.runAllTimersAsync();
    await started;
    await ctrl.cancel();

    expect(client.cancelOrder).toHaveBeenCalledWith(ORDER_ID);
    expect(view.data).toMatchObject({ phase: 'done', status: 'cancelled', statusText: '已取消' });
  });

  test('leaving the page stops the polling', async () => {
    const { client, ctrl } = setup();
    putCheckout(checkout());
    client.getOrder.mockResolvedValue(order('pending'));

    const done = ctrl.start(ORDER_ID);
    await jest.advanceTimersByTimeAsync(2000);
    expect(client.getOrder).toHaveBeenCalledTimes(2);
    ctrl.dispose();
    await jest.runAllTimersAsync();
    await done;
    expect(client.getOrder).toHaveBeenCalledTimes(2);
  });
});
