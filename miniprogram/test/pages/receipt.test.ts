// 确认收货 (utils/receipt.ts): opening WeChat's confirm-receipt page remembers the order; the
// way back (App.onShow, referrerInfo from wx1183b055aeec94d1) asks the server, whose answer
// always wins over what WeChat's page said.
import {
  RECEIPT_APP_ID,
  RECEIPT_PENDING_KEY,
  ReceiptState,
  claimReceipt,
  openConfirmReceipt,
  pendingReceipt,
  receiptReturned,
} from '../../src/utils/receipt';
import { FakeWx, TRANSACTION_ID, apiError, opsClient, shippedOrder } from './fakes';

const ORDER = shippedOrder();
const ID = ORDER.id;

function setup() {
  const wx = new FakeWx();
  const state: ReceiptState = {};
  const ops = { confirmReceipt: jest.fn() };
  const waits: number[] = [];
  const deps = {
    wx,
    state,
    client: opsClient(ops),
    sleep: (ms: number) => {
      waits.push(ms);
      return Promise.resolve();
    },
  };
  const back = (extraData: unknown, appId = RECEIPT_APP_ID) => receiptReturned(deps, { appId, extraData });
  return { wx, state, ops, waits, back };
}

async function opened(wx: FakeWx, state: ReceiptState) {
  await expect(openConfirmReceipt(wx, state, { id: ID, transactionId: TRANSACTION_ID })).resolves.toBe('opened');
}

describe('opening 确认收货', () => {
  test("opens WeChat's page with the transaction id, and remembers the order in globalData and storage", async () => {
    const { wx, state } = setup();
    await opened(wx, state);

    expect(wx.businessViews).toEqual([
      expect.objectContaining({ businessType: 'weappOrderConfirm', extraData: { transaction_id: TRANSACTION_ID } }),
    ]);
    expect(state.receiptPending).toEqual({ orderId: ID, transactionId: TRANSACTION_ID });
    expect(JSON.parse(wx.storage.get(RECEIPT_PENDING_KEY) as string)).toEqual({ orderId: ID, transactionId: TRANSACTION_ID });
  });

  test('a WeChat without wx.openBusinessView: unsupported, nothing opened or remembered', async () => {
    const { wx, state } = setup();
    wx.cannotUse.add('openBusinessView');
    await expect(openConfirmReceipt(wx, state, { id: ID, transactionId: TRANSACTION_ID })).resolves.toBe('unsupported');
    expect(wx.businessViews).toEqual([]);
    expect(pendingReceipt(wx, state)).toBeUndefined();
  });

  test('a page that will not open: failed, and forgotten', async () => {
    const { wx, state } = setup();
    wx.businessViewOutcomes = [{ errMsg: 'openBusinessView:fail' }];
    await expect(openConfirmReceipt(wx, state, { id: ID, transactionId: TRANSACTION_ID })).resolves.toBe('failed');
    expect(pendingReceipt(wx, state)).toBeUndefined();
    expect(wx.storage.has(RECEIPT_PENDING_KEY)).toBe(false);
  });
});

describe('coming back (App.onShow)', () => {
  test('from another app, or with nothing remembered: nothing is asked', async () => {
    const { wx, state, ops, back } = setup();
    expect(back({ status: 'success' })).toBeUndefined(); // nothing remembered
    await opened(wx, state);
    expect(back({ status: 'success' }, 'wx0000000000000000')).toBeUndefined();
    expect(receiptReturned({ wx, state, client: opsClient(ops) }, undefined)).toBeUndefined();
    expect(ops.confirmReceipt).not.toHaveBeenCalled();
    expect(state.receiptPending).toBeDefined(); // still waiting for its own way back
  });

  test("success: the server's order (received), and the order is forgotten", async () => {
    const { wx, state, ops, back } = setup();
    ops.confirmReceipt.mockResolvedValue(shippedOrder('received'));
    await opened(wx, state);

    const ret = back({ status: 'success', errormsg: '', req_extradata: '{}' });
    expect(ret?.orderId).toBe(ID);
    expect(state.receiptPending).toBeUndefined();
    expect(wx.storage.has(RECEIPT_PENDING_KEY)).toBe(false);

    const outcome = await ret!.outcome;
    expect(ops.confirmReceipt).toHaveBeenCalledWith(ID);
    expect(outcome).toMatchObject({ orderId: ID, verdict: 'success', order: { status: 'received' }, message: '已确认收货' });
  });

  test('after a restart the order comes from storage', async () => {
    const { wx, ops, back } = setup();
    ops.confirmReceipt.mockResolvedValue(shippedOrder('completed'));
    wx.storage.set(RECEIPT_PENDING_KEY, JSON.stringify({ orderId: ID, transactionId: TRANSACTION_ID }));

    const outcome = await back({ status: 'success' })!.outcome;
    expect(ops.confirmReceipt).toHaveBeenCalledWith(ID);
    expect(outcome.message).toBe('订单已完成');
  });

  test.each([
    ['cancel', 'shipped', '已取消确认收货'],
    ['fail', 'shipped', '确认收货未成功，请稍后重试'],
    // The server's answer wins over the page's word.
    ['cancel', 'received', '已确认收货'],
    ['fail', 'completed', '订单已完成'],
    ['garbled', 'shipped', ''],
  ] as const)('WeChat says %s, the server says %s: "%s"', async (status, server, message) => {
    const { wx, state, ops, waits, back } = setup();
    ops.confirmReceipt.mockResolvedValue(shippedOrder(server));
    await opened(wx, state);

    const outcome = await back({ status, errormsg: 'whatever' })!.outcome;
    expect(ops.confirmReceipt).toHaveBeenCalledTimes(1); // only a success is worth asking again
    expect(waits).toEqual([]);
    expect(outcome.order?.status).toBe(server);
    expect(outcome.message).toBe(message);
  });

  test('success the server does not show yet: asked again after 1 s and 2 s, then "being processed"', async () => {
    const { wx, state, ops, waits, back } = setup();
    ops.confirmReceipt.mockResolvedValue(shippedOrder('shipped'));
    await opened(wx, state);

    const outcome = await back({ status: 'success' })!.outcome;
    expect(ops.confirmReceipt).toHaveBeenCalledTimes(3);
    expect(waits).toEqual([1000, 2000]);
    expect(outcome).toMatchObject({ order: { status: 'shipped' }, message: '确认收货处理中，请稍后查看' });
  });

  test('success that shows on the second asking stops there', async () => {
    const { wx, state, ops, waits, back } = setup();
    ops.confirmReceipt.mockResolvedValueOnce(shippedOrder('shipped')).mockResolvedValueOnce(shippedOrder('received'));
    await opened(wx, state);

    const outcome = await back({ status: 'success' })!.outcome;
    expect(ops.confirmReceipt).toHaveBeenCalledTimes(2);
    expect(waits).toEqual([1000]);
    expect(outcome.message).toBe('已确认收货');
  });

  test('the server does not answer: no order, and why', async () => {
    const { wx, state, ops, back } = setup();
    ops.confirmReceipt.mockRejectedValue(apiError(0, 'network_error'));
    await opened(wx, state);

    const outcome = await back({ status: 'cancel' })!.outcome;
    expect(outcome.order).toBeUndefined();
    expect(outcome.error).toMatchObject({ code: 'network_error' });
    expect(outcome.message).toBe('网络异常，请检查网络后重试');
  });

  test("the order's detail page claims the answer once; another order's page does not", async () => {
    const { wx, state, ops, back } = setup();
    ops.confirmReceipt.mockResolvedValue(shippedOrder('received'));
    await opened(wx, state);
    const ret = back({ status: 'success' });

    expect(claimReceipt(state, '00000000-0000-4000-8000-000000000000')).toBeUndefined();
    expect(claimReceipt(state, ID)).toBe(ret);
    expect(claimReceipt(state, ID)).toBeUndefined();
    expect(ret?.claimed).toBe(true);
  });
});
