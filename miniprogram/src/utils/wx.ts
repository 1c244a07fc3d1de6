// The slice of the `wx` UI API that page logic uses (the API client has its
// own slice for requests, login and storage: WxLike in api/client.ts).
// The signatures are written so that the real global `wx` is assignable to
// PageWx (test/pages/wx-types.test.ts holds the compiler to that) and a test
// can pass a small fake. Page logic never touches the global.
import type { PaymentParams } from '../api/index';

/** What wx.chooseAddress hands back (the fields this app reads). */
export interface ChosenAddress {
  userName: string;
  telNumber: string;
  provinceName: string;
  cityName: string;
  countyName: string;
  detailInfo: string;
  postalCode: string;
}

/** WeChat's failure of an open API: errMsg, and since the privacy rules (base library 2.32.3) an errno. */
export interface WxFail {
  errMsg: string;
  errno?: number;
}

/**
 * wx.openBusinessView's option (base library 2.6.0). Not in miniprogram-api-typings, hence
 * optional in PageWx: a wx without it is still a PageWx, and callers check wx.canIUse first.
 */
export interface OpenBusinessViewOption {
  businessType: string;
  extraData: Record<string, string>;
  success?: (res: { errMsg: string }) => void;
  fail?: (err: WxFail) => void;
}

export interface PageWx {
  requestPayment(option: {
    timeStamp: string;
    nonceStr: string;
    package: string;
    signType: 'RSA';
    paySign: string;
    success: (res: { errMsg: string }) => void;
    fail: (err: { errMsg: string }) => void;
  }): unknown;
  showLoading(option: { title: string; mask?: boolean }): unknown;
  hideLoading(): unknown;
  showToast(option: { title: string; icon?: 'success' | 'error' | 'loading' | 'none'; duration?: number }): unknown;
  showModal(option: {
    title?: string;
    content?: string;
    confirmText?: string;
    cancelText?: string;
    showCancel?: boolean;
    success?: (res: { confirm: boolean; cancel: boolean }) => void;
    fail?: (err: { errMsg: string }) => void;
  }): unknown;
  navigateTo(option: { url: string; complete?: () => void }): unknown;
  navigateBack(option?: { delta?: number }): unknown;
  redirectTo(option: { url: string }): unknown;
  switchTab(option: { url: string }): unknown;
  stopPullDownRefresh(): unknown;
  /** The user picks a delivery address (needs app.json requiredPrivateInfos ["chooseAddress"]). */
  chooseAddress(option: { success?: (res: ChosenAddress) => void; fail?: (err: WxFail) => void }): unknown;
  /** The mini-program's settings page, where the user can allow what they refused. */
  openSetting(option?: { success?: () => void; fail?: () => void }): unknown;
  canIUse(schema: string): boolean;
  /** WeChat's own pages (here: 确认收货, businessType weappOrderConfirm); see OpenBusinessViewOption. */
  openBusinessView?(option: OpenBusinessViewOption): unknown;
  /** The subscribe-message popup (utils/subscribe.ts). */
  requestSubscribeMessage?(option: {
    tmplIds: string[];
    success?: (res: Record<string, string>) => void;
    fail?: (err: { errMsg: string; errCode?: number }) => void;
  }): unknown;
  /**
   * Only in DevTools against `make run` (utils/devtools.ts): what the getPhoneNumber button
   * gives, from the emulator; the real wx has no such method, and the button's own e.detail is
   * used.
   */
  standInPhoneNumber?(option: { success: (detail: { code?: string; errMsg?: string; errno?: number }) => void }): unknown;
}

/**
 * Calls wx.requestPayment with exactly the five arguments the server signed
 * (APIv3: timeStamp, nonceStr, package "prepay_id=…", signType "RSA",
 * paySign); nothing is added or changed on the client. Rejects with WeChat's
 * `{errMsg}` ("requestPayment:fail cancel" when the user closes the sheet).
 */
export function requestPayment(wx: Pick<PageWx, 'requestPayment'>, p: PaymentParams): Promise<void> {
  return new Promise((resolve, reject) => {
    wx.requestPayment({
      timeStamp: p.timeStamp,
      nonceStr: p.nonceStr,
      package: p.package,
      signType: p.signType,
      paySign: p.paySign,
      success: () => resolve(),
      fail: (err) => reject(err),
    });
  });
}

/** Asks the user to confirm; false when they decline or the modal fails. */
export function confirmModal(wx: Pick<PageWx, 'showModal'>, title: string, content: string, confirmText?: string): Promise<boolean> {
  return new Promise((resolve) => {
    wx.showModal({
      title,
      content,
      ...(confirmText ? { confirmText } : {}),
      success: (res) => resolve(res.confirm),
      fail: () => resolve(false),
    });
  });
}

/** "/pages/x/index?a=1&b=2" with encoded values. */
export function pageUrl(path: string, query: Record<string, string | number> = {}): string {
  const pairs = Object.keys(query).map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(String(query[k]))}`);
  return pairs.length ? `${path}?${pairs.join('&')}` : path;
}

/** What a controller needs from its Page: the Page instance itself satisfies it. */
export interface View<D> {
  data: D;
  setData(patch: Partial<D>): void;
}

/** Waits ms milliseconds (jest's fake timers drive it in tests). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
