// The pay page's logic: wx.requestPayment gets exactly the server's
// arguments; after success the page asks the server (POST /refresh) at once
// and then on a back-off until the SERVER says the order is not pending; a
// cancelled payment shows a toast and leaves the order pending; any other
// failure asks the server once before saying unpaid; a page shown again
// refreshes a pending order once. Polling runs on jest's fake timers (or an
// injected sleep that records its waits): no real waiting.
import { putCheckout } from '../../src/utils/handoff';
import { PayController, PayData, PayOptions, initialPayData } from '../../src/pages/pay/logic';
import { FakeView, FakeWx, apiError, checkout, order, payment, settle, opsClient } from './fakes';

/** A view that remembers every status it was ever given. */
class RecordingView extends FakeView<PayData> {
  readonly statuses: string[] = [];
  setData(patch: Partial<PayData>): void {
    if (patch.status !== undefined) this.statuses.push(patch.status);
    super.setData(patch);
  }
}

function setup(options: PayOptions = {}) {
  const wx = new FakeWx();
  const view = new RecordingView(initialPayData());
  const client = {
    getOrder: jest.fn(),
    payOrder: jest.fn(),
    cancelOrder: jest.fn(),
    refreshOrder: jest.fn(),
  };
  const ctrl = new PayController(view, opsClient(client), wx, options);
  return { wx, view, client, ctrl };
}

/** A sleep that records its waits and returns at once. */
function recordingSleep() {
  const waits: number[] = [];
  const sleep = (ms: number): Promise<void> => {
    waits.push(ms);
    return Promise.resolve();
  };
  return { waits, sleep };
}

const ORDER_ID = order().id;

beforeEach(() => {
  jest.useFakeTimers();
});

afterEach(() => {
  jest.useRealTimers();
});

describe('pay page', () => {
  test('opened without an order id: says so with a way back, asks nothing, pays nothing', () => {
    const { wx, view, client, ctrl } = setup();
    ctrl.missing();
    expect(view.data).toMatchObject({ phase: 'missing', message: '没有指定要支付的订单' });
    expect(client.payOrder).not.toHaveBeenCalled();
    expect(wx.payments).toEqual([]);
  });

  test('hands wx.requestPayment exactly the five server arguments', async () => {
    const { wx, client, ctrl } = setup();
    putCheckout(checkout(order(), payment(7)));
    client.refreshOrder.mockResolvedValue(order('paid'));

    const done = ctrl.start(ORDER_ID);
    await jest.runAllTimersAsync();
    await done;

    expect(wx.payments).toEqual([payment(7)]);
    expect(wx.paymentKeys).toEqual([['fail', 'nonceStr', 'package', 'paySign', 'signType', 'success', 'timeStamp']]);
    expect(client.payOrder).not.toHaveBeenCalled(); // the handed-over arguments were used
  });

  test('after success the first call is refreshOrder, at once, not getOrder', async () => {
    const { wx, view, client, ctrl } = setup();
    putCheckout(checkout());
    client.refreshOrder.mockResolvedValue(order('paid'));

    const done = ctrl.start(ORDER_ID);
    await settle(); // no timer has run: the first refresh is not waited for
    await done;

    expect(client.refreshOrder).toHaveBeenCalledTimes(1);
    expect(client.refreshOrder).toHaveBeenCalledWith(ORDER_ID);
    expect(client.getOrder).not.toHaveBeenCalled();
    expect(view.data).toMatchObject({ status: 'paid', statusText: '已支付', phase: 'done' });
    expect(wx.toastTitles()).toEqual(['支付成功']);
    expect(wx.loadingDepth).toBe(0);
  });

  test('virtual goods: the server says shipped straight after payment, and that is paid too', async () => {
    const { wx, view, client, ctrl } = setup();
    putCheckout(checkout());
    client.refreshOrder.mockResolvedValue(order('shipped', { kind: 'virtual', paid_at: '2025-11-23T12:01:00Z' }));

    await ctrl.start(ORDER_ID);

    expect(client.refreshOrder).toHaveBeenCalledTimes(1);
    expect(view.data).toMatchObject({ status: 'shipped', statusText: '已发货', phase: 'done' });
    expect(wx.toastTitles()).toEqual(['支付成功']);
  });

  test('after success it polls refreshOrder on a back-off until the server says paid', async () => {
    const { wx, view, client, ctrl } = setup();
    putCheckout(checkout());
    client.refreshOrder
      .mockResolvedValueOnce(order('pending'))
      .mockResolvedValueOnce(order('pending'))
      .mockResolvedValueOnce(order('pending'))
      .mockResolvedValueOnce(order('paid'));

    const done = ctrl.start(ORDER_ID);
    await settle();
    // The sheet said success, yet nothing is paid until the server says so.
    expect(client.refreshOrder).toHaveBeenCalledTimes(1);
    expect(view.data.phase).toBe('confirming');
    expect(view.data.status).toBe('pending');

    await jest.advanceTimersByTimeAsync(999);
    expect(client.refreshOrder).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(1); // 1 s
    expect(client.refreshOrder).toHaveBeenCalledTimes(2);
    await jest.advanceTimersByTimeAsync(1000); // 1 s more
    expect(client.refreshOrder).toHaveBeenCalledTimes(3);
    expect(view.data.status).toBe('pending');

    await jest.advanceTimersByTimeAsync(1999); // the next wait is 2 s
    expect(client.refreshOrder).toHaveBeenCalledTimes(3);
    await jest.advanceTimersByTimeAsync(1);
    await done;
    expect(client.refreshOrder).toHaveBeenCalledTimes(4);
    expect(view.data).toMatchObject({ status: 'paid', statusText: '已支付', phase: 'done' });
    expect(wx.toastTitles()).toEqual(['支付成功']);

    await jest.advanceTimersByTimeAsync(60000);
    expect(client.refreshOrder).toHaveBeenCalledTimes(4); // stopped at paid
    expect(client.getOrder).not.toHaveBeenCalled();
    expect(wx.loadingDepth).toBe(0);
  });

  test('the back-off waits 1, 1, 2, 2, 3, 3 then 5 s through the injected sleep, bounded in total', async () => {
    const { waits, sleep } = recordingSleep();
    const { view, client, ctrl } = setup({ sleep });
    putCheckout(checkout());
    client.refreshOrder.mockResolvedValue(order('pending'));

    await ctrl.start(ORDER_ID);

    expect(waits).toEqual([1000, 1000, 2000, 2000, 3000, 3000, 5000, 5000, 5000]);
    expect(waits.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(30000);
    expect(client.refreshOrder).toHaveBeenCalledTimes(waits.length + 1); // once at once, once after each wait
    expect(view.data.phase).toBe('unconfirmed');
  });

  test('the back-off and its bound come from PayOptions', async () => {
    const { waits, sleep } = recordingSleep();
    const { view, client, ctrl } = setup({ sleep, pollDelaysMs: [10, 20], maxPollWaitMs: 55 });
    putCheckout(checkout());
    client.refreshOrder.mockResolvedValue(order('pending'));

    await ctrl.start(ORDER_ID);

    expect(waits).toEqual([10, 20, 20]); // the last wait repeats; a fourth (total 70) would pass 55
    expect(client.refreshOrder).toHaveBeenCalledTimes(4);
    expect(view.data.phase).toBe('unconfirmed');
  });

  test('shows the server total, not a client-side sum', async () => {
    const { view, client, ctrl } = setup();
    putCheckout(checkout(order('pending', { total_fen: 2561 })));
    client.refreshOrder.mockResolvedValue(order('paid', { total_fen: 2561 }));

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
    // The user closed the sheet: nothing to ask the server, nothing claimed paid.
    expect(client.refreshOrder).not.toHaveBeenCalled();
    expect(client.getOrder).not.toHaveBeenCalled();
    expect(wx.loadingDepth).toBe(0);
  });

  test('a failed payment asks the server once, then shows a toast and leaves the order unpaid', async () => {
    const { wx, view, client, ctrl } = setup();
    putCheckout(checkout());
    wx.paymentOutcomes = [{ errMsg: 'requestPayment:fail insufficient balance' }];
    client.refreshOrder.mockResolvedValue(order('pending'));

    const done = ctrl.start(ORDER_ID);
    await jest.runAllTimersAsync();
    await done;

    expect(client.refreshOrder).toHaveBeenCalledTimes(1);
    expect(client.refreshOrder).toHaveBeenCalledWith(ORDER_ID);
    expect(client.getOrder).not.toHaveBeenCalled();
    expect(wx.toastTitles()).toEqual(['支付失败，请重试']);
    expect(view.data).toMatchObject({ phase: 'failed', status: 'pending', message: '支付失败，请重试' });
    expect(wx.loadingDepth).toBe(0);
  });

  test('a failed payment that the server says was paid ends done with paid', async () => {
    const { wx, view, client, ctrl } = setup();
    putCheckout(checkout());
    wx.paymentOutcomes = [{ errMsg: 'requestPayment:fail system error' }];
    client.refreshOrder.mockResolvedValue(order('paid'));

    const done = ctrl.start(ORDER_ID);
    await jest.runAllTimersAsync();
    await done;

    expect(client.refreshOrder).toHaveBeenCalledTimes(1); // once: no polling after a failure
    expect(view.data).toMatchObject({ phase: 'done', status: 'paid', statusText: '已支付', message: '' });
    expect(wx.toastTitles()).toEqual(['支付成功']); // no "支付失败" for an order the server has paid
    expect(wx.loadingDepth).toBe(0);
  });

  test('a failed payment shows any other status the server has, e.g. closing', async () => {
    const { wx, view, client, ctrl } = setup();
    putCheckout(checkout());
    wx.paymentOutcomes = [{ errMsg: 'requestPayment:fail order closed' }];
    client.refreshOrder.mockResolvedValue(order('closing'));

    const done = ctrl.start(ORDER_ID);
    await jest.runAllTimersAsync();
    await done;

    expect(view.data).toMatchObject({ phase: 'done', status: 'closing', statusText: '取消中' });
    expect(wx.toastTitles()).toEqual([]);
  });

  test('a failed payment whose refresh gets no answer says failed', async () => {
    const { wx, view, client, ctrl } = setup();
    putCheckout(checkout());
    wx.paymentOutcomes = [{ errMsg: 'requestPayment:fail insufficient balance' }];
    client.refreshOrder.mockRejectedValue(apiError(0, 'network_error'));

    const done = ctrl.start(ORDER_ID);
    await jest.runAllTimersAsync();
    await done;

    expect(client.refreshOrder).toHaveBeenCalledTimes(1);
    expect(wx.toastTitles()).toEqual(['支付失败，请重试']);
    expect(view.data).toMatchObject({ phase: 'failed', status: 'pending' });
    expect(wx.loadingDepth).toBe(0);
  });

  test('重新支付 asks the server for fresh arguments and pays with those', async () => {
    const { wx, view, client, ctrl } = setup();
    putCheckout(checkout(order(), payment(1)));
    wx.paymentOutcomes = [{ errMsg: 'requestPayment:fail cancel' }, 'success'];
    client.payOrder.mockResolvedValue(checkout(order(), payment(2)));
    client.refreshOrder.mockResolvedValue(order('paid'));

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

  test('polling is bounded: still pending at the end means unconfirmed, never paid', async () => {
    const { wx, view, client, ctrl } = setup();
    putCheckout(checkout());
    client.refreshOrder.mockResolvedValue(order('pending'));

    const done = ctrl.start(ORDER_ID);
    await jest.runAllTimersAsync();
    await done;

    expect(client.refreshOrder).toHaveBeenCalledTimes(10);
    expect(view.data).toMatchObject({ phase: 'unconfirmed', status: 'pending' });
    expect(wx.toastTitles()).toEqual(['支付结果确认中，请稍后在订单中查看']);
    expect(wx.loadingDepth).toBe(0);
  });

  test('the client never sets paid on its own: only a server answer of paid does', async () => {
    const { wx, view, client, ctrl } = setup();
    putCheckout(checkout());
    client.refreshOrder.mockResolvedValue(order('pending'));

    const done = ctrl.start(ORDER_ID); // the sheet reports success
    await jest.runAllTimersAsync();
    await done;
    const again = ctrl.recheck(); // "我已支付，刷新结果"
    await jest.runAllTimersAsync();
    await again;

    expect(view.statuses.every((st) => st === 'pending')).toBe(true);
    expect(view.data).toMatchObject({ phase: 'unconfirmed', status: 'pending' });
    expect(wx.toastTitles()).not.toContain('支付成功');

    client.refreshOrder.mockResolvedValue(order('paid'));
    await ctrl.recheck();
    expect(view.statuses[view.statuses.length - 1]).toBe('paid');
    expect(view.data).toMatchObject({ phase: 'done', status: 'paid' });
  });

  test('a lost answer while polling is not a verdict: it asks again', async () => {
    const { view, client, ctrl } = setup();
    putCheckout(checkout());
    client.refreshOrder.mockRejectedValueOnce(apiError(0, 'network_error')).mockResolvedValueOnce(order('paid'));

    const done = ctrl.start(ORDER_ID);
    await jest.runAllTimersAsync();
    await done;

    expect(client.refreshOrder).toHaveBeenCalledTimes(2);
    expect(view.data.status).toBe('paid');
  });

  test('a final status other than paid ends the polling and is shown as it is', async () => {
    const { wx, view, client, ctrl } = setup();
    putCheckout(checkout());
    client.refreshOrder.mockResolvedValueOnce(order('pending')).mockResolvedValueOnce(order('late_paid'));

    const done = ctrl.start(ORDER_ID);
    await jest.runAllTimersAsync();
    await done;

    expect(client.refreshOrder).toHaveBeenCalledTimes(2);
    expect(view.data).toMatchObject({ phase: 'done', status: 'late_paid', statusText: '已过期，退款中' });
    expect(wx.toastTitles()).toEqual([]);
  });

  test('opened from an order: fetches fresh arguments with POST /pay', async () => {
    const { wx, view, client, ctrl } = setup();
    client.payOrder.mockResolvedValue(checkout(order(), payment(3)));
    client.refreshOrder.mockResolvedValue(order('paid'));

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
    client.refreshOrder.mockResolvedValue(order('pending'));

    const done = ctrl.start(ORDER_ID);
    await jest.advanceTimersByTimeAsync(2000); // at once, after 1 s, after 2 s
    expect(client.refreshOrder).toHaveBeenCalledTimes(3);
    ctrl.dispose();
    await jest.runAllTimersAsync();
    await done;
    expect(client.refreshOrder).toHaveBeenCalledTimes(3);
  });
});

describe('pay page shown again (onShow → resume)', () => {
  async function failedStart() {
    const t = setup();
    putCheckout(checkout());
    t.wx.paymentOutcomes = [{ errMsg: 'requestPayment:fail cancel' }];
    const started = t.ctrl.start(ORDER_ID);
    await jest.runAllTimersAsync();
    await started;
    expect(t.view.data).toMatchObject({ phase: 'failed', status: 'pending' });
    return t;
  }

  test('pending and failed: refreshes once and settles when the server says paid', async () => {
    const { wx, view, client, ctrl } = await failedStart();
    client.refreshOrder.mockResolvedValue(order('paid'));

    await ctrl.resume();

    expect(client.refreshOrder).toHaveBeenCalledTimes(1);
    expect(client.refreshOrder).toHaveBeenCalledWith(ORDER_ID);
    expect(view.data).toMatchObject({ phase: 'done', status: 'paid', message: '' });
    // The second toast waits for the first's time to be up instead of replacing it.
    await jest.advanceTimersByTimeAsync(3000);
    expect(wx.toastTitles()).toEqual(['已取消支付', '支付成功']);

    await ctrl.resume(); // no longer pending: nothing to ask
    expect(client.refreshOrder).toHaveBeenCalledTimes(1);
  });

  test('still pending: one refresh, no polling, the page stays as it was', async () => {
    const { view, client, ctrl } = await failedStart();
    client.refreshOrder.mockResolvedValue(order('pending'));

    await ctrl.resume();
    await jest.runAllTimersAsync();

    expect(client.refreshOrder).toHaveBeenCalledTimes(1);
    expect(view.data).toMatchObject({ phase: 'failed', status: 'pending', message: '已取消支付' });
  });

  test('unconfirmed: refreshes once and shows the server status', async () => {
    const { waits, sleep } = recordingSleep();
    const { view, client, ctrl } = setup({ sleep, pollDelaysMs: [1], maxPollWaitMs: 1 });
    putCheckout(checkout());
    client.refreshOrder.mockResolvedValue(order('pending'));
    await ctrl.start(ORDER_ID);
    expect(view.data.phase).toBe('unconfirmed');
    expect(waits).toEqual([1]);
    client.refreshOrder.mockClear().mockResolvedValue(order('expired'));

    await ctrl.resume();

    expect(client.refreshOrder).toHaveBeenCalledTimes(1);
    expect(view.data).toMatchObject({ phase: 'done', status: 'expired', statusText: '已过期' });
  });

  test('no answer leaves the page as it was', async () => {
    const { view, client, ctrl } = await failedStart();
    client.refreshOrder.mockRejectedValue(apiError(0, 'network_error'));

    await ctrl.resume();

    expect(client.refreshOrder).toHaveBeenCalledTimes(1);
    expect(view.data).toMatchObject({ phase: 'failed', status: 'pending' });
  });

  test('the onShow right after onLoad does not query while start() runs', async () => {
    const { wx, client, ctrl } = setup();
    putCheckout(checkout());
    wx.paymentOutcomes = [{ errMsg: 'requestPayment:fail cancel' }];

    const started = ctrl.start(ORDER_ID); // onLoad
    const shown = ctrl.resume(); // onShow, at once
    await jest.runAllTimersAsync();
    await Promise.all([started, shown]);

    expect(client.refreshOrder).not.toHaveBeenCalled();
  });

  test('not while busy: a resume during the polling adds no query', async () => {
    const { client, ctrl } = setup();
    putCheckout(checkout());
    client.refreshOrder.mockResolvedValue(order('pending'));

    const done = ctrl.start(ORDER_ID);
    await jest.advanceTimersByTimeAsync(500); // confirming: one refresh so far, waiting 1 s
    expect(client.refreshOrder).toHaveBeenCalledTimes(1);
    await ctrl.resume();
    expect(client.refreshOrder).toHaveBeenCalledTimes(1);

    await jest.runAllTimersAsync();
    await done;
    expect(client.refreshOrder).toHaveBeenCalledTimes(10); // the back-off's own calls only
  });

  test('not while a resume is already asking', async () => {
    const { client, ctrl } = await failedStart();
    let answer: (o: ReturnType<typeof order>) => void = () => undefined;
    client.refreshOrder.mockReturnValue(new Promise((r) => (answer = r)));

    const first = ctrl.resume();
    await ctrl.resume();
    expect(client.refreshOrder).toHaveBeenCalledTimes(1);
    answer(order('pending'));
    await first;
  });

  test('nothing to ask before the order is known or after the page is done', async () => {
    const { client, ctrl, view } = setup();
    await ctrl.resume(); // no order yet
    expect(client.refreshOrder).not.toHaveBeenCalled();

    client.payOrder.mockRejectedValue(apiError(409, 'order_not_payable'));
    client.getOrder.mockResolvedValue(order('cancelled'));
    await ctrl.start(ORDER_ID);
    expect(view.data.phase).toBe('done');
    await ctrl.resume();
    expect(client.refreshOrder).not.toHaveBeenCalled();
  });
});
