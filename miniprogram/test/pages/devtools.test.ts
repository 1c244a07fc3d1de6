// The DevTools stand-in (utils/devtools.ts): only inside DevTools against a
// local server; wx.login gets its code from the emulator, wx.requestPayment
// asks, then hands the emulator exactly the five arguments; wx.openBusinessView
// (确认收货) asks, has the emulator's buyer confirm, and shows the app again
// the way WeChat does (App.onShow with the confirm-receipt page's referrer).
import { ENVS } from '../../src/config/env';
import { emulatorWx, usesEmulator } from '../../src/utils/devtools';
import { RECEIPT_APP_ID } from '../../src/utils/receipt';
import { requestPayment } from '../../src/utils/wx';
import { FakeWx, TRANSACTION_ID, payment, settle } from './fakes';

const onPlatform = (platform: string) => ({ getDeviceInfo: () => ({ platform }) });

test('active only in DevTools against a server on this machine', () => {
  const local = (apiBase: string) => ({ apiBase, emulatorBase: 'http://127.0.0.1:8081' });
  expect(usesEmulator(onPlatform('devtools'), ENVS.develop)).toBe(true);
  expect(usesEmulator(onPlatform('devtools'), local('http://127.0.0.1:8080/'))).toBe(true);
  // The LAN address a phone reaches make run at (真机调试) is this machine too.
  expect(usesEmulator(onPlatform('devtools'), local('http://192.168.1.20:8080'))).toBe(true);
  expect(usesEmulator(onPlatform('devtools'), local('http://10.0.0.7:8080/'))).toBe(true);
  expect(usesEmulator(onPlatform('devtools'), local('http://172.20.1.2:8080'))).toBe(true);
  expect(usesEmulator(onPlatform('devtools'), local('http://172.32.1.2:8080'))).toBe(false);
  expect(usesEmulator(onPlatform('devtools'), local('http://192.168.1.20.example.com:8080'))).toBe(false);
  expect(usesEmulator(onPlatform('devtools'), local('https://api.example.com'))).toBe(false);
  expect(usesEmulator(onPlatform('devtools'), ENVS.release)).toBe(false);
  expect(usesEmulator(onPlatform('devtools'), { apiBase: 'http://localhost:8080' })).toBe(false); // no emulator configured
  expect(usesEmulator(onPlatform('ios'), ENVS.develop)).toBe(false);
  expect(usesEmulator({ getSystemInfoSync: () => ({ platform: 'devtools' }) }, ENVS.develop)).toBe(true);
  expect(usesEmulator({}, ENVS.develop)).toBe(false);
});

test('wx.login takes a code from the emulator', async () => {
  const wx = new FakeWx();
  wx.server = (req) =>
    req.path === '/emulator/login-codes' ? { status: 201, body: { code: 'emu-code', user: req.body.user } } : { status: 404 };
  const code = await new Promise<string>((resolve, reject) =>
    emulatorWx(wx).login({ success: (r) => resolve(r.code), fail: reject }),
  );
  expect(code).toBe('emu-code');
  expect(wx.requests).toEqual([expect.objectContaining({ method: 'POST', path: '/emulator/login-codes', body: { user: 'devtools' } })]);
  expect(wx.loginCalls).toBe(0);
});

test('requestPayment: 支付 sends the five arguments to the emulator', async () => {
  const wx = new FakeWx();
  wx.server = () => ({ status: 200, body: { trade_state: 'SUCCESS' } });
  await requestPayment(emulatorWx(wx, ENVS.develop.emulatorBase), payment(4));
  expect(wx.requests).toEqual([expect.objectContaining({ method: 'POST', path: '/emulator/payments', body: payment(4) })]);
  expect(wx.payments).toEqual([]); // the real sheet was never opened
});

test('requestPayment: 取消 fails like the real sheet and pays nothing', async () => {
  const wx = new FakeWx();
  wx.modalAnswers = [false];
  await expect(requestPayment(emulatorWx(wx), payment())).rejects.toEqual({ errMsg: 'requestPayment:fail cancel' });
  expect(wx.requests).toEqual([]);
});

test('requestPayment: an emulator refusal (e.g. a bad paySign) is a failure', async () => {
  const wx = new FakeWx();
  wx.server = () => ({ status: 400, body: { error: 'paySign does not verify' } });
  await expect(requestPayment(emulatorWx(wx), payment())).rejects.toEqual({
    errMsg: 'requestPayment:fail paySign does not verify',
  });
});

describe('openBusinessView (确认收货)', () => {
  const g = globalThis as Record<string, unknown>;
  let shown: { referrerInfo: { appId: string; extraData: Record<string, string> } }[];
  let events: string[];

  beforeEach(() => {
    shown = [];
    events = [];
    g.getApp = () => ({
      onShow: (o: (typeof shown)[number]) => {
        shown.push(o);
        events.push('App.onShow');
      },
    });
  });
  afterEach(() => delete g.getApp);

  function open(wx: FakeWx, businessType = 'weappOrderConfirm'): void {
    emulatorWx(wx).openBusinessView!({
      businessType,
      extraData: { transaction_id: TRANSACTION_ID },
      success: () => events.push('success'),
      fail: (err) => events.push(`fail ${err.errMsg}`),
    });
  }

  test("确认收货: the emulator's buyer confirms, then the app is shown again with the page's success", async () => {
    const wx = new FakeWx();
    wx.server = () => ({ status: 200, body: { order_state: 3 } });
    expect(emulatorWx(wx).canIUse('openBusinessView')).toBe(true);

    open(wx);
    await settle();

    expect(wx.modals).toEqual([expect.objectContaining({ title: '模拟确认收货', confirmText: '确认收货' })]);
    expect(wx.requests).toEqual([expect.objectContaining({ method: 'POST', path: `/emulator/shipping/${TRANSACTION_ID}/confirm` })]);
    expect(shown).toEqual([
      expect.objectContaining({ referrerInfo: { appId: RECEIPT_APP_ID, extraData: expect.objectContaining({ status: 'success' }) } }),
    ]);
    expect(events).toEqual(['App.onShow', 'success']); // back first: the opening page finds the answer at once
    expect(wx.businessViews).toEqual([]); // the real one was never opened
  });

  test('取消: back with cancel, nothing confirmed', async () => {
    const wx = new FakeWx();
    wx.modalAnswers = [false];
    open(wx);
    await settle();
    expect(wx.requests).toEqual([]);
    expect(shown[0].referrerInfo.extraData.status).toBe('cancel');
  });

  test('the emulator refuses (not shipped in WeChat yet): back with fail and its reason', async () => {
    const wx = new FakeWx();
    wx.server = () => ({ status: 409, body: { error: 'order_state 1 is not shipped' } });
    open(wx);
    await settle();
    expect(shown[0].referrerInfo.extraData).toMatchObject({ status: 'fail', errormsg: 'order_state 1 is not shipped' });
  });

  test('any other business view fails', async () => {
    const wx = new FakeWx();
    open(wx, 'wxpayScoreUse');
    await settle();
    expect(events).toEqual([expect.stringMatching(/^fail openBusinessView:fail/)]);
    expect(wx.modals).toEqual([]);
  });
});

describe('the subscribe popup and the phone button', () => {
  test("允许 records the user's accepts at the emulator, and WeChat's answer comes back", async () => {
    const wx = new FakeWx();
    wx.server = (req) =>
      req.path === '/emulator/subscriptions'
        ? { status: 200, body: { user: 'devtools', openid: 'o1', result: { errMsg: 'requestSubscribeMessage:ok', T1: 'accept', T2: 'accept' }, items: [] } }
        : { status: 404 };
    const ewx = emulatorWx(wx);
    expect(ewx.canIUse('requestSubscribeMessage')).toBe(true);
    const res = await new Promise<Record<string, string>>((resolve, reject) =>
      ewx.requestSubscribeMessage!({ tmplIds: ['T1', 'T2'], success: resolve, fail: reject }),
    );
    expect(res).toEqual({ errMsg: 'requestSubscribeMessage:ok', T1: 'accept', T2: 'accept' });
    expect(wx.requests).toEqual([
      expect.objectContaining({ method: 'POST', path: '/emulator/subscriptions', body: { user: 'devtools', results: { T1: 'accept', T2: 'accept' } } }),
    ]);
    expect(wx.modals).toEqual([expect.objectContaining({ title: '模拟订阅消息', confirmText: '允许' })]);
  });

  test('拒绝 is recorded as a reject; a template the emulator lacks fails like WeChat (20001)', async () => {
    const wx = new FakeWx();
    wx.modalAnswers = [false, true];
    wx.server = (req) =>
      req.body.results.T1 === 'reject'
        ? { status: 200, body: { result: { errMsg: 'requestSubscribeMessage:ok', T1: 'reject' } } }
        : { status: 400, body: { error: 'no such template', errCode: 20001 } };
    const ask = (ids: string[]) =>
      new Promise<unknown>((resolve) =>
        emulatorWx(wx).requestSubscribeMessage!({ tmplIds: ids, success: (r) => resolve(r), fail: (e) => resolve(e) }),
      );
    expect(await ask(['T1'])).toEqual({ errMsg: 'requestSubscribeMessage:ok', T1: 'reject' });
    expect(await ask(['NOPE'])).toEqual({ errMsg: 'requestSubscribeMessage:fail no such template', errCode: 20001 });
  });

  test('getPhoneNumber: 允许 gives a code the emulator issued; 拒绝 is the user deny; a spent quota its errno', async () => {
    const wx = new FakeWx();
    wx.modalAnswers = [true, false, true];
    let quota = false;
    wx.server = (req) =>
      req.path !== '/emulator/phone-codes'
        ? { status: 404 }
        : quota
          ? { status: 409, body: { errMsg: 'getPhoneNumber:fail no permission', errno: 1400001 } }
          : { status: 201, body: { code: 'phone-code-1', user: req.body.user } };
    const tap = () => new Promise<unknown>((resolve) => emulatorWx(wx).standInPhoneNumber!({ success: resolve }));
    expect(await tap()).toEqual({ errMsg: 'getPhoneNumber:ok', code: 'phone-code-1' });
    expect(await tap()).toEqual({ errMsg: 'getPhoneNumber:fail user deny' });
    quota = true;
    expect(await tap()).toEqual({ errMsg: 'getPhoneNumber:fail no permission', errno: 1400001 });
    expect(wx.requests.map((r) => r.body)).toEqual([{ user: 'devtools' }, { user: 'devtools' }]);
  });
});
