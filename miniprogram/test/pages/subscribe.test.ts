// Subscribe messages (utils/subscribe.ts) and where they are asked: 立即购买 asks for the paid
// and shipped templates in the tap's own turn, tells the server the user's answer, and pays
// whatever the answer: accepted, refused, WeChat failing, or WeChat never answering.
import { ConfirmController, ConfirmData, initialConfirmData } from '../../src/pages/confirm/logic';
import { encodeItems } from '../../src/utils/cart';
import { Subscriptions, resultsOf } from '../../src/utils/subscribe';
import { COFFEE, FakeView, FakeWx, TEMPLATES, checkout, order, opsClient, settle } from './fakes';

function ops() {
  return {
    getSubscriptions: jest.fn().mockResolvedValue({ items: TEMPLATES }),
    recordSubscriptions: jest.fn().mockImplementation((results: Record<string, string>) => ({
      items: TEMPLATES.map((t) => ({ ...t, remaining: results[t.template_id] === 'accept' ? 1 : 0 })),
    })),
    listProducts: jest.fn().mockResolvedValue({ items: [COFFEE] }),
    placeOrder: jest.fn().mockResolvedValue(checkout(order())),
  };
}

describe('Subscriptions', () => {
  test('asks WeChat for the templates of the events and tells the server what the user chose', async () => {
    const wx = new FakeWx();
    const o = ops();
    const subs = new Subscriptions(opsClient(o), wx);
    await subs.preload();
    wx.subscribeOutcomes = [{ 'tmpl-paid': 'accept', 'tmpl-shipped': 'reject' }];

    const outcome = await subs.ask(['paid', 'shipped']);
    await subs.recorded;

    expect(wx.subscribeAsks).toEqual([['tmpl-paid', 'tmpl-shipped']]);
    expect(outcome).toEqual({ kind: 'asked', results: { 'tmpl-paid': 'accept', 'tmpl-shipped': 'reject' }, accepted: ['paid'] });
    // WeChat's success result as is, less its errMsg.
    expect(o.recordSubscriptions).toHaveBeenCalledWith({ 'tmpl-paid': 'accept', 'tmpl-shipped': 'reject' });
  });

  test('the templates are read once; a failed read is tried again at the next preload', async () => {
    const o = ops();
    o.getSubscriptions.mockRejectedValueOnce(new Error('offline'));
    const subs = new Subscriptions(opsClient(o), new FakeWx());
    await subs.preload();
    expect(subs.templateIds(['paid'])).toEqual([]);
    await subs.preload();
    await subs.preload();
    expect(o.getSubscriptions).toHaveBeenCalledTimes(2);
    expect(subs.templateIds(['paid'])).toEqual(['tmpl-paid']);
  });

  test('at most 3 ids, each once', async () => {
    const o = ops();
    o.getSubscriptions.mockResolvedValue({
      items: [...TEMPLATES, { event: 'paid', template_id: 'tmpl-paid', remaining: 0 }, { event: 'shipped', template_id: 'tmpl-shipped-2', remaining: 0 }],
    });
    const subs = new Subscriptions(opsClient(o), new FakeWx());
    await subs.preload();
    expect(subs.templateIds(['paid', 'shipped', 'refunded', 'refund_request'])).toEqual(['tmpl-paid', 'tmpl-shipped', 'tmpl-shipped-2']);
  });

  test('nothing configured, or not read yet: WeChat is not asked', async () => {
    const wx = new FakeWx();
    const o = ops();
    o.getSubscriptions.mockResolvedValue({ items: [] });
    const subs = new Subscriptions(opsClient(o), wx);
    expect(await subs.ask(['paid'])).toEqual({ kind: 'none' }); // before preload
    await subs.preload();
    expect(await subs.ask(['paid'])).toEqual({ kind: 'none' });
    expect(wx.subscribeAsks).toEqual([]);
  });

  test('a WeChat without requestSubscribeMessage: unsupported, nothing asked', async () => {
    const wx = new FakeWx();
    wx.cannotUse.add('requestSubscribeMessage');
    const subs = new Subscriptions(opsClient(ops()), wx);
    await subs.preload();
    expect(await subs.ask(['paid'])).toEqual({ kind: 'unsupported' });
    expect(wx.subscribeAsks).toEqual([]);
  });

  test("WeChat's failure (20004: the user turned subscriptions off) resolves, and the server is told nothing", async () => {
    const wx = new FakeWx();
    const o = ops();
    const subs = new Subscriptions(opsClient(o), wx);
    await subs.preload();
    wx.subscribeOutcomes = [{ errMsg: 'requestSubscribeMessage:fail switched off', errCode: 20004 }];
    expect(await subs.ask(['paid'])).toEqual({ kind: 'failed', errMsg: 'requestSubscribeMessage:fail switched off', errCode: 20004 });
    expect(o.recordSubscriptions).not.toHaveBeenCalled();
  });

  test('the server not taking the answer is not an error', async () => {
    const wx = new FakeWx();
    const o = ops();
    o.recordSubscriptions.mockRejectedValue(new Error('offline'));
    const subs = new Subscriptions(opsClient(o), wx);
    await subs.preload();
    expect((await subs.ask(['paid'])).kind).toBe('asked');
    await expect(subs.recorded).resolves.toBeUndefined();
  });

  test('only the ids asked for, with values WeChat defines, go to the server', () => {
    expect(resultsOf({ errMsg: 'requestSubscribeMessage:ok', a: 'accept', b: 'ban', c: 'weird', d: 'accept' }, ['a', 'b', 'c'])).toEqual({ a: 'accept', b: 'ban' });
  });
});

describe('立即购买 asks for subscribe messages, and pays whatever the answer', () => {
  async function setup(guardMs?: number) {
    const wx = new FakeWx();
    const o = ops();
    const client = opsClient(o);
    const subs = new Subscriptions(client, wx, guardMs);
    await subs.preload();
    const view = new FakeView<ConfirmData>(initialConfirmData());
    const ctrl = new ConfirmController(view, client, wx, () => 'key-1', subs);
    await ctrl.load(encodeItems([{ product_id: COFFEE.id, quantity: 1 }]));
    return { wx, o, subs, ctrl };
  }

  test('accepted: asked in the tap\'s own turn, before the order; the server told; then the pay page', async () => {
    const { wx, o, subs, ctrl } = await setup();
    const done = ctrl.submit();
    // Synchronously, in the tap's turn (WeChat shows the popup only then), before the order.
    expect(wx.subscribeAsks).toEqual([['tmpl-paid', 'tmpl-shipped']]);
    expect(o.placeOrder).not.toHaveBeenCalled();
    await done;
    await subs.recorded;
    expect(o.recordSubscriptions).toHaveBeenCalledWith({ 'tmpl-paid': 'accept', 'tmpl-shipped': 'accept' });
    expect(o.placeOrder).toHaveBeenCalledTimes(1);
    expect(wx.navigations).toEqual([`redirectTo /pages/pay/index?orderId=${order().id}`]);
  });

  test('refused: the server is told, and the order is placed and paid all the same', async () => {
    const { wx, o, subs, ctrl } = await setup();
    wx.subscribeOutcomes = [{ 'tmpl-paid': 'reject', 'tmpl-shipped': 'reject' }];
    await ctrl.submit();
    await subs.recorded;
    expect(o.recordSubscriptions).toHaveBeenCalledWith({ 'tmpl-paid': 'reject', 'tmpl-shipped': 'reject' });
    expect(wx.navigations).toEqual([`redirectTo /pages/pay/index?orderId=${order().id}`]);
    expect(wx.toastTitles()).toEqual([]);
  });

  test('WeChat fails: no word to the server, no message, and the order goes on', async () => {
    const { wx, o, ctrl } = await setup();
    wx.subscribeOutcomes = [{ errMsg: 'requestSubscribeMessage:fail can only be invoked by user TAP gesture.', errCode: 10005 }];
    await ctrl.submit();
    expect(o.recordSubscriptions).not.toHaveBeenCalled();
    expect(o.placeOrder).toHaveBeenCalledTimes(1);
    expect(wx.navigations).toHaveLength(1);
    expect(wx.toastTitles()).toEqual([]);
  });

  test('WeChat never answers: after the guard the order goes on', async () => {
    const { wx, o, ctrl } = await setup(20);
    wx.subscribeOutcomes = ['never'];
    await ctrl.submit();
    expect(o.placeOrder).toHaveBeenCalledTimes(1);
    expect(wx.navigations).toHaveLength(1);
  });

  test('the server could not say which templates: nothing asked, the order goes on', async () => {
    const wx = new FakeWx();
    const o = ops();
    o.getSubscriptions.mockRejectedValue(new Error('offline'));
    const client = opsClient(o);
    const subs = new Subscriptions(client, wx);
    await subs.preload();
    const ctrl = new ConfirmController(new FakeView<ConfirmData>(initialConfirmData()), client, wx, () => 'k', subs);
    await ctrl.load(encodeItems([{ product_id: COFFEE.id, quantity: 1 }]));
    await ctrl.submit();
    await settle();
    expect(wx.subscribeAsks).toEqual([]);
    expect(o.placeOrder).toHaveBeenCalledTimes(1);
  });

  test('a double tap asks once and places one order', async () => {
    const { wx, o, ctrl } = await setup();
    await Promise.all([ctrl.submit(), ctrl.submit()]);
    expect(wx.subscribeAsks).toHaveLength(1);
    expect(o.placeOrder).toHaveBeenCalledTimes(1);
  });
});
