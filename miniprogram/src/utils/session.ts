// The seed's login flow, run once at launch (app.ts):
//   token in storage? use it : wx.login → POST /v1/auth/login {code} → store
// The Api does the wx/HTTP part (ensureLogin; storage key 'token'), and its
// client logs in again by itself when the server answers 401 `unauthorized`
// (the token store mirrors a new token into getApp().globalData.token).
// This file keeps globalData.token in step for pages that read it there and
// lets pages wait for, or retry, the login.
import type { Api } from '../api/index';
import type { ReceiptState } from './receipt';

/** The token, and the order whose 确认收货 is open in WeChat (utils/receipt.ts). */
export interface AppGlobalData extends ReceiptState {
  /** The bearer token, as stored under wx storage 'token'. */
  token?: string;
}

/** The App's shape: `getApp<IAppOption>()` in pages. */
export interface IAppOption {
  globalData: AppGlobalData;
  /** Resolves with the token once logged in; after a failure, the next call tries again. */
  whenLoggedIn(): Promise<string>;
  /** 退出登录: POST /v1/auth/logout (the server revokes the token), then forgets it; the next whenLoggedIn logs in anew. */
  logout(): Promise<void>;
}

export class Session {
  private current?: Promise<string>;

  constructor(
    private readonly api: Pick<Api, 'ensureLogin'>,
    private readonly app: { globalData: AppGlobalData },
  ) {}

  /** Logs in unless already logged in; concurrent callers share one attempt. */
  start(): Promise<string> {
    this.current ??= this.api.ensureLogin().then(
      (token) => {
        // Read app.globalData now: the client's token store may have replaced the object.
        this.app.globalData.token = token;
        return token;
      },
      (err: unknown) => {
        this.current = undefined; // let the next caller try again
        throw err;
      },
    );
    return this.current;
  }

  /** After logging out: the next start() logs in again instead of answering the old token. */
  forget(): void {
    this.current = undefined;
    this.app.globalData.token = undefined;
  }
}
