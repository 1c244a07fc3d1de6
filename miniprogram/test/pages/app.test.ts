// app.ts, the seed's login: on launch, without a token, wx.login's code goes
// to POST /v1/auth/login and the token lands in wx storage ('token') and in
// globalData.token. Runs the real App() file and the real API client over a
// fake wx whose wx.request is a scripted server.
import { RECEIPT_APP_ID, RECEIPT_PENDING_KEY, claimReceipt } from '../../src/utils/receipt';
import type { IAppOption } from '../../src/utils/session';
import { FakeReply, FakeRequest, FakeWx, TRANSACTION_ID, problem, settle, shippedOrder } from './fakes';

const g = globalThis as Record<string, unknown>;

type AppInstance = IAppOption & { onLaunch(): void; onShow(options: { referrerInfo?: { appId: string; extraData: unknown } }): void };

function launch(wx: FakeWx): AppInstance {
  let app: AppInstance | undefined;
  g.wx = wx;
  g.App = (options: AppInstance) => {
    app = options; // the framework makes the options object the App instance
  };
  g.getApp = () => app;
  jest.isolateModules(() => {
    require('../../src/app'); // a fresh module registry: a fresh default client bound to this wx
  });
  if (!app) throw new Error('app.ts did not call App()');
  app.onLaunch();
  return app;
}

function loginServer(tokens: string[]): (req: FakeRequest) => FakeReply {
  return (req) => {
    if (req.method === 'POST' && req.path === '/v1/auth/login') {
      const token = tokens.shift();
      if (!token) return { status: 503, body: problem(503, 'wechat_unavailable') };
      return {
        status: 200,
        body: {
          token,
          token_type: 'Bearer',
          expires_at: '2999-01-01T00:00:00Z',
          user: { id: '44444444-4444-4444-8444-444444444444', openid: 'o-alice', created_at: '2025-11-23T00:00:00Z' },
        },
      };
    }
    return { status: 404, body: problem(404, 'not_found') };
  };
}

afterEach(() => {
  delete g.wx;
  delete g.App;
  delete g.getApp;
});

describe('app launch login', () => {
  test('no token: wx.login → POST /v1/auth/login → storage and globalData', async () => {
    const wx = new FakeWx();
    wx.server = loginServer(['wxmp_tok_1']);

    const app = launch(wx);
    await expect(app.whenLoggedIn()).resolves.toBe('wxmp_tok_1');

    expect(wx.loginCalls).toBe(1);
    expect(wx.requests).toEqual([
      expect.objectContaining({ method: 'POST', path: '/v1/auth/login', body: { code: 'code-1' } }),
    ]);
    expect(wx.requests[0].headers.Authorization).toBeUndefined();
    expect(wx.storage.get('token')).toBe('wxmp_tok_1');
    expect(app.globalData.token).toBe('wxmp_tok_1');
  });

  test('a stored token is used as is: no wx.login, no request', async () => {
    const wx = new FakeWx();
    wx.storage.set('token', 'wxmp_saved');

    const app = launch(wx);
    await expect(app.whenLoggedIn()).resolves.toBe('wxmp_saved');

    expect(wx.loginCalls).toBe(0);
    expect(wx.requests).toEqual([]);
    expect(app.globalData.token).toBe('wxmp_saved');
  });

  test('a failed login is retried by the next page that needs it', async () => {
    const wx = new FakeWx();
    const tokens: string[] = [];
    wx.server = loginServer(tokens); // WeChat is busy at launch

    const app = launch(wx);
    await settle();
    await expect(app.whenLoggedIn()).rejects.toMatchObject({ code: 'wechat_unavailable' });
    expect(wx.storage.has('token')).toBe(false);

    tokens.push('wxmp_tok_2'); // WeChat answers again
    await expect(app.whenLoggedIn()).resolves.toBe('wxmp_tok_2');
    expect(wx.storage.get('token')).toBe('wxmp_tok_2');
    expect(app.globalData.token).toBe('wxmp_tok_2');
  });

  test('退出登录: POST /v1/auth/logout with the token, forgotten everywhere; the next whenLoggedIn logs in anew', async () => {
    const wx = new FakeWx();
    const login = loginServer(['wxmp_tok_1', 'wxmp_tok_2']);
    wx.server = (req) => (req.method === 'POST' && req.path === '/v1/auth/logout' ? { status: 204 } : login(req));

    const app = launch(wx);
    await expect(app.whenLoggedIn()).resolves.toBe('wxmp_tok_1');
    await app.logout();

    const out = wx.requests.find((r) => r.path === '/v1/auth/logout');
    expect(out?.headers.Authorization).toBe('Bearer wxmp_tok_1');
    expect(wx.storage.has('token')).toBe(false);
    expect(app.globalData.token).toBeUndefined();

    await expect(app.whenLoggedIn()).resolves.toBe('wxmp_tok_2');
    expect(wx.loginCalls).toBe(2);
  });
});

describe('app shown again after WeChat\'s confirm-receipt page', () => {
  const ORDER = shippedOrder();
  const back = { referrerInfo: { appId: RECEIPT_APP_ID, extraData: { status: 'success', errormsg: '', req_extradata: '' } } };

  function launched(): { wx: FakeWx; app: AppInstance } {
    const wx = new FakeWx();
    wx.storage.set('token', 'wxmp_saved');
    // Remembered when 确认收货 opened; the mini-program may have been started afresh since.
    wx.storage.set(RECEIPT_PENDING_KEY, JSON.stringify({ orderId: ORDER.id, transactionId: TRANSACTION_ID }));
    wx.server = (req) =>
      req.method === 'POST' && req.path === `/v1/orders/${ORDER.id}/receipt`
        ? { status: 200, body: shippedOrder('received') }
        : { status: 404, body: problem(404, 'not_found') };
    return { wx, app: launch(wx) };
  }

  test("asks the server (POST /v1/orders/{id}/receipt), never the page's word; no page took it, so the order opens", async () => {
    const { wx, app } = launched();
    app.onShow(back);
    await settle();

    expect(wx.requests.map((r) => `${r.method} ${r.path}`)).toEqual([`POST /v1/orders/${ORDER.id}/receipt`]);
    expect(wx.requests[0].headers.Authorization).toBe('Bearer wxmp_saved');
    expect(wx.storage.has(RECEIPT_PENDING_KEY)).toBe(false);
    expect(wx.navigations).toEqual([`navigateTo /pages/order-detail/index?id=${ORDER.id}`]);
    // The opened page claims the answer: the server's order.
    const ret = claimReceipt(app.globalData, ORDER.id);
    await expect(ret?.outcome).resolves.toMatchObject({ order: { status: 'received' }, message: '已确认收货' });
  });

  test("the order's detail page, shown right after, takes it: nothing more is opened", async () => {
    const { wx, app } = launched();
    app.onShow(back);
    expect(claimReceipt(app.globalData, ORDER.id)).toBeDefined(); // the page's onShow
    await settle();
    expect(wx.navigations).toEqual([]);
  });

  test('any other show asks nothing', async () => {
    const { wx, app } = launched();
    app.onShow({});
    app.onShow({ referrerInfo: { appId: 'wx0000000000000000', extraData: { status: 'success' } } });
    await settle();
    expect(wx.requests).toEqual([]);
    expect(wx.storage.has(RECEIPT_PENDING_KEY)).toBe(true);
  });
});
