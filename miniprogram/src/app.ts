// The mini-program's entry. On launch it picks the API for this build's
// envVersion (config/env.ts) and logs in (see utils/session.ts): with a token
// in wx storage it is used as is; otherwise wx.login's code is exchanged at
// POST /v1/auth/login and the token is stored in wx storage ('token') and in
// globalData.token. Every request then carries it (api/index.ts); a 401 makes
// the client log in again once and retry. logout() (退出登录 on the 我的 page) revokes the
// token (POST /v1/auth/logout) and forgets it; the next whenLoggedIn() logs in anew.
//
// onShow: coming back from WeChat's confirm-receipt page (referrerInfo.appId
// wx1183b055aeec94d1), it asks the server where the remembered order stands
// (POST /v1/orders/{id}/receipt, utils/receipt.ts); that order's detail page
// shows the answer, and is opened for it when no page took it.
import { createApi, getApi, getClient, setApi } from './api/index';
import { currentEnv } from './config/env';
import { appWx } from './utils/devtools';
import { receiptReturned } from './utils/receipt';
import { IAppOption, Session } from './utils/session';
import { navigate } from './utils/ui';
import { pageUrl } from './utils/wx';

let session: Session | undefined;

App<IAppOption>({
  globalData: {},

  onLaunch() {
    const env = currentEnv(wx);
    // In WeChat DevTools against `make run`, wx.login's codes come from the
    // emulator instead of WeChat (utils/devtools.ts); anywhere else this is the real wx.
    const api = createApi({ wx: appWx(env), baseUrl: env.apiBase });
    setApi(api);
    session = new Session(api, this);
    // A failed login is not fatal here: the pages that need it call
    // whenLoggedIn() and show the error themselves.
    session.start().catch(() => undefined);
  },

  onShow(options) {
    const w = appWx();
    const ret = receiptReturned({ wx: w, state: this.globalData, client: getClient() }, options?.referrerInfo);
    if (!ret) return;
    // The order's detail page, shown right after this, claims the answer; if none did (the
    // buyer is elsewhere, or the mini-program was started afresh), open one to show it.
    void ret.outcome.then(() => {
      if (!ret.claimed) navigate(w, pageUrl('/pages/order-detail/index', { id: ret.orderId }));
    });
  },

  whenLoggedIn() {
    if (!session) return Promise.reject(new Error('wxmp: whenLoggedIn before onLaunch'));
    return session.start();
  },

  // 退出登录 (the 我的 page): the server revokes the token, then it is forgotten here too.
  async logout() {
    try {
      await getApi().logout();
    } finally {
      session?.forget();
    }
  },
});
