// The mini-program's entry. On launch it picks the API for this build's
// envVersion (config/env.ts) and logs in (see utils/session.ts): with a token
// in wx storage it is used as is; otherwise wx.login's code is exchanged at
// POST /v1/auth/login and the token is stored in wx storage ('token') and in
// globalData.token. Every request then carries it (api/index.ts); a 401 makes
// the client log in again once and retry.
import { createApi, setApi } from './api/index';
import { currentEnv } from './config/env';
import { appWx } from './utils/devtools';
import { IAppOption, Session } from './utils/session';

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

  whenLoggedIn() {
    if (!session) return Promise.reject(new Error('wxmp: whenLoggedIn before onLaunch'));
    return session.start();
  },
});
