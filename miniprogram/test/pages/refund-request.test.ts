// 申请退款 (售后) on the order detail page: a paid, shipped or received order offers it with
// what is left as the amount; 提交申请 asks for the refunded and refund_request subscribe
// messages in the tap's own turn and creates the request whatever the answer; the request
// shows its status in words (the operator's note on a rejection) and 撤回 while requested.
import { OrderDetailController, OrderDetailData, initialOrderDetailData } from '../../src/pages/order-detail/logic';
import { Subscriptions } from '../../src/utils/subscribe';
import { canRequestRefund, fenToYuanInput, refundRequestView, yuanToFen } from '../../src/utils/refund-request';
import { FakeView, FakeWx, TEMPLATES, apiError, opsClient, order, refundRequest, settle, shippedOrder } from './fakes';

const ID = order().id;

async function setup(o = order('paid'), requests = [] as ReturnType<typeof refundRequest>[]) {
  const wx = new FakeWx();
  const view = new FakeView<OrderDetailData>(initialOrderDetailData());
  const ops = {
    getOrder: jest.fn().mockResolvedValue(o),
    listRefundRequests: jest.fn().mockResolvedValue({ items: requests }),
    requestRefund: jest.fn().mockImplementation((_id: string, body: { amount_fen: number; reason: string }) => refundRequest('requested', body)),
    withdrawRefundRequest: jest.fn().mockResolvedValue(refundRequest('withdrawn')),
    getSubscriptions: jest.fn().mockResolvedValue({ items: TEMPLATES }),
    recordSubscriptions: jest.fn().mockResolvedValue({ items: TEMPLATES }),
  };
  const client = opsClient(ops);
  const subs = new Subscriptions(client, wx);
  await subs.preload();
  const ctrl = new OrderDetailController(view, client, wx, {}, subs);
  await ctrl.load(ID);
  return { wx, view, ops, subs, ctrl };
}

describe('refund request helpers', () => {
  test('yuan as typed ↔ fen', () => {
    expect(yuanToFen('25.6')).toBe(2560);
    expect(yuanToFen('25.60')).toBe(2560);
    expect(yuanToFen('0.01')).toBe(1);
    expect(yuanToFen('12')).toBe(1200);
    expect(yuanToFen('12.')).toBe(1200);
    expect(yuanToFen('1.234')).toBeUndefined();
    expect(yuanToFen('-1')).toBeUndefined();
    expect(yuanToFen('abc')).toBeUndefined();
    expect(fenToYuanInput(2560)).toBe('25.60');
    expect(fenToYuanInput(5)).toBe('0.05');
  });

  test('statuses in words; the note only on a rejection', () => {
    expect(['requested', 'refunding', 'refunded', 'rejected', 'withdrawn'].map((s) => refundRequestView(refundRequest(s as never)).statusText)).toEqual([
      '待审核',
      '退款中',
      '已退款',
      '已拒绝',
      '已撤回',
    ]);
    expect(refundRequestView(refundRequest('rejected', { note: '商品已使用' })).note).toBe('商品已使用');
    expect(refundRequestView(refundRequest('requested')).withdrawable).toBe(true);
    expect(refundRequestView(refundRequest('refunding')).withdrawable).toBe(false);
  });

  test('who may ask: paid, shipped, received, with money left and nothing open', () => {
    expect(canRequestRefund(order('paid'), [])).toBe(true);
    expect(canRequestRefund(shippedOrder('shipped'), [])).toBe(true);
    expect(canRequestRefund(shippedOrder('received'), [])).toBe(true);
    expect(canRequestRefund(order('pending'), [])).toBe(false);
    expect(canRequestRefund(shippedOrder('completed'), [])).toBe(false);
    expect(canRequestRefund(order('paid', { refunded_fen: 2560 }), [])).toBe(false);
    expect(canRequestRefund(order('paid'), [refundRequest('requested')])).toBe(false);
    expect(canRequestRefund(order('paid'), [refundRequest('refunding')])).toBe(false);
    expect(canRequestRefund(order('paid'), [refundRequest('rejected'), refundRequest('withdrawn')])).toBe(true);
  });
});

describe('order detail: 申请退款', () => {
  test('offered on a paid order; the form opens with what is left', async () => {
    const { view, ops, ctrl } = await setup(order('paid', { refunded_fen: 560 }));
    expect(ops.listRefundRequests).toHaveBeenCalledWith(ID);
    expect(view.data).toMatchObject({ canRequestRefund: true, refundLeftText: '¥20.00', refundRequests: [] });
    ctrl.openRefundForm();
    expect(view.data.refundForm).toEqual({ open: true, amount: '20.00', reason: '' });
  });

  test('not offered on a pending order, and its requests are not asked for', async () => {
    const { view, ops } = await setup(order('pending'));
    expect(view.data.canRequestRefund).toBe(false);
    expect(ops.listRefundRequests).not.toHaveBeenCalled();
  });

  test("提交申请: subscribe messages asked in the tap's own turn, then the request; shown as 待审核 with 撤回", async () => {
    const { wx, view, ops, subs, ctrl } = await setup();
    ctrl.openRefundForm();
    ctrl.setRefundAmount('12.5');
    ctrl.setRefundReason('  不想要了 ');
    const done = ctrl.submitRefund();
    expect(wx.subscribeAsks).toEqual([['tmpl-refunded', 'tmpl-refund-request']]); // synchronously
    expect(ops.requestRefund).not.toHaveBeenCalled();
    await done;
    await subs.recorded;
    expect(ops.recordSubscriptions).toHaveBeenCalledWith({ 'tmpl-refunded': 'accept', 'tmpl-refund-request': 'accept' });
    expect(ops.requestRefund).toHaveBeenCalledWith(ID, { amount_fen: 1250, reason: '不想要了' });
    expect(view.data.refundRequests).toEqual([expect.objectContaining({ amountText: '¥12.50', statusText: '待审核', withdrawable: true, reason: '不想要了' })]);
    expect(view.data).toMatchObject({ canRequestRefund: false, refundBusy: false, refundForm: { open: false } });
    expect(wx.toastTitles()).toEqual(['已提交退款申请']);
  });

  test('subscribe messages refused or failing: the request is made all the same', async () => {
    const { wx, ops, ctrl } = await setup();
    wx.subscribeOutcomes = [{ errMsg: 'requestSubscribeMessage:fail', errCode: 20004 }];
    ctrl.openRefundForm();
    ctrl.setRefundReason('坏了');
    await ctrl.submitRefund();
    expect(ops.requestRefund).toHaveBeenCalledWith(ID, { amount_fen: 2560, reason: '坏了' });
    expect(ops.recordSubscriptions).not.toHaveBeenCalled();
  });

  test.each([
    ['0', '不要了', '请输入正确的退款金额'],
    ['abc', '不要了', '请输入正确的退款金额'],
    ['25.61', '不要了', '退款金额超过可退金额'],
    ['10', '   ', '请填写退款原因'],
  ])('amount %p, reason %p: refused here (%s), nothing asked or sent', async (amount, reason, message) => {
    const { wx, ops, ctrl } = await setup();
    ctrl.openRefundForm();
    ctrl.setRefundAmount(amount);
    ctrl.setRefundReason(reason);
    await ctrl.submitRefund();
    expect(wx.toastTitles()).toEqual([message]);
    expect(wx.subscribeAsks).toEqual([]);
    expect(ops.requestRefund).not.toHaveBeenCalled();
  });

  test('already an open request (409 request_not_open): says so and shows the requests as they are', async () => {
    const { wx, view, ops, ctrl } = await setup();
    ctrl.openRefundForm();
    ctrl.setRefundReason('不想要了');
    ops.requestRefund.mockRejectedValue(apiError(409, 'request_not_open'));
    ops.listRefundRequests.mockResolvedValue({ items: [refundRequest('requested')] });
    await ctrl.submitRefund();
    expect(wx.toastTitles()).toEqual(['退款申请已在处理或已结束']);
    expect(view.data.refundRequests.map((r) => r.statusText)).toEqual(['待审核']);
    expect(view.data.canRequestRefund).toBe(false);
  });

  test('the order changed meanwhile (409 refund_too_large): read again', async () => {
    const { wx, view, ops, ctrl } = await setup();
    ctrl.openRefundForm();
    ctrl.setRefundReason('不想要了');
    ops.requestRefund.mockRejectedValue(apiError(409, 'refund_too_large'));
    ops.getOrder.mockResolvedValue(order('paid', { refunded_fen: 2000 }));
    await ctrl.submitRefund();
    expect(wx.toastTitles()).toEqual(['退款金额超过可退金额']);
    expect(ops.getOrder).toHaveBeenCalledTimes(2);
    expect(view.data.refundLeftText).toBe('¥5.60');
  });

  test('each status as the server has it: 退款中, 已退款, 已拒绝 with the note, 已撤回; newest first', async () => {
    const { view } = await setup(order('paid'), [
      refundRequest('withdrawn', { id: 'r1' }),
      refundRequest('rejected', { id: 'r2', note: '商品已使用' }),
      refundRequest('refunded', { id: 'r3', amount_fen: 500 }),
    ]);
    expect(view.data.refundRequests.map((r) => [r.id, r.statusText, r.note])).toEqual([
      ['r3', '已退款', ''],
      ['r2', '已拒绝', '商品已使用'],
      ['r1', '已撤回', ''],
    ]);
    expect(view.data.canRequestRefund).toBe(true);
  });

  test('撤回: after confirming, the request is withdrawn and a new one may be made', async () => {
    const { wx, view, ops, ctrl } = await setup(order('paid'), [refundRequest('requested')]);
    expect(view.data.canRequestRefund).toBe(false);
    await ctrl.withdrawRefund(refundRequest().id);
    expect(wx.modals.map((m) => m.title)).toEqual(['撤回退款申请']);
    expect(ops.withdrawRefundRequest).toHaveBeenCalledWith(refundRequest().id);
    expect(view.data.refundRequests.map((r) => r.statusText)).toEqual(['已撤回']);
    expect(view.data.canRequestRefund).toBe(true);
    expect(wx.toastTitles()).toEqual(['已撤回退款申请']);
  });

  test('撤回 declined: nothing sent', async () => {
    const { wx, ops, ctrl } = await setup(order('paid'), [refundRequest('requested')]);
    wx.modalAnswers = [false];
    await ctrl.withdrawRefund(refundRequest().id);
    expect(ops.withdrawRefundRequest).not.toHaveBeenCalled();
  });

  test('撤回 after the operator decided (409 request_not_open): says so and shows the decision', async () => {
    const { wx, view, ops, ctrl } = await setup(order('paid'), [refundRequest('requested')]);
    ops.withdrawRefundRequest.mockRejectedValue(apiError(409, 'request_not_open'));
    ops.listRefundRequests.mockResolvedValue({ items: [refundRequest('refunding')] });
    await ctrl.withdrawRefund(refundRequest().id);
    await settle();
    expect(wx.toastTitles()).toEqual(['退款申请已在处理或已结束']);
    expect(view.data.refundRequests.map((r) => [r.statusText, r.withdrawable])).toEqual([['退款中', false]]);
  });

  test('the requests cannot be read: the order still shows, without a message', async () => {
    const wx = new FakeWx();
    const view = new FakeView<OrderDetailData>(initialOrderDetailData());
    const ops = { getOrder: jest.fn().mockResolvedValue(order('paid')), listRefundRequests: jest.fn().mockRejectedValue(apiError(500, 'internal')) };
    const ctrl = new OrderDetailController(view, opsClient(ops), wx, {});
    await ctrl.load(ID);
    expect(view.data.order?.statusText).toBe('已支付');
    expect(wx.toastTitles()).toEqual([]);
  });
});
