// The mini-program's entry. On launch it logs in (see utils/session.ts):
// with a token in wx storage it is used as is; otherwise wx.login's code is
// exchanged at POST /v1/auth/login and the token is stored in wx storage
// ('token') and in globalData.token. Every request then carries it
// (api/client.ts); a 401 makes the client log in again once and retry.
import { createClient, getClient, setDefaultClient } from './api/client';
import { API_BASE } from './config';
import { appWx, usesEmulator } from './utils/devtools';
import { IAppOption, Session } from './utils/session';

let session: Session | undefined;

App<IAppOption>({
  globalData: {},

  onLaunch() {
    // In WeChat DevTools against `make run`, wx.login's codes come from the
    // emulator instead of WeChat (utils/devtools.ts); anywhere else this is the real wx.
    if (usesEmulator(wx)) setDefaultClient(createClient({ wx: appWx(), baseUrl: API_BASE }));
    session = new Session(getClient(), this);
    // A failed login is not fatal here: the pages that need it call
    // whenLoggedIn() and show the error themselves.
    session.start().catch(() => undefined);
  },

  whenLoggedIn() {
    session ??= new Session(getClient(), this);
    return session.start();
  },
});
