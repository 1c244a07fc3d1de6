// WeChat DevTools against `make run`: stand in for the phone the way the
// README's curl walk-through does.
//
// In DevTools, wx.login returns a code minted by WeChat for the DevTools
// account, which wxmp's WeChat emulator has never issued (it answers 40029,
// so login fails with invalid_code), and wx.requestPayment cannot pay for
// the emulator's merchant. So, only when running inside DevTools AND
// talking to a server on this machine (develop's apiBase on a loopback or LAN address, see
// config/env.ts), login and
// requestPayment go to the emulator's control API instead:
//   wx.login          → POST {emulator}/emulator/login-codes {"user":"devtools"}
//   wx.requestPayment → a modal ("支付" or "取消"), then
//                       POST {emulator}/emulator/payments with the five arguments,
//                       which checks paySign like the WeChat client, marks the
//                       transaction paid and notifies the server.
//   wx.requestSubscribeMessage
//                     → a modal ("允许" or "拒绝"), then
//                       POST {emulator}/emulator/subscriptions {"user":"devtools","results":…},
//                       the popup's answer as the emulator records it (so that the
//                       server's sends are counted against what WeChat knows).
//   getPhoneNumber    (the button's e.detail, through standInPhoneNumber)
//                     → a modal ("允许" or "拒绝"), then
//                       POST {emulator}/emulator/phone-codes {"user":"devtools"}: a
//                       code the emulator's getuserphonenumber knows (DevTools' own
//                       code it has never issued: 40029).
//   wx.openBusinessView (weappOrderConfirm, 确认收货)
//                     → a modal ("确认收货" or "取消"), then
//                       POST {emulator}/emulator/shipping/{transaction_id}/confirm,
//                       which is the buyer confirming in WeChat; then the app is
//                       "shown again" as WeChat would show it: App.onShow with
//                       referrerInfo {appId: wx1183b055aeec94d1, extraData: {status}},
//                       so the app asks the server exactly as on a phone.
// On a phone, or against any other server, the real wx is used untouched.
import { REQUEST_TIMEOUT_MS, type WxLike } from '../api/index';
import { ENVS, type Env } from '../config/env';
import { RECEIPT_APP_ID, RECEIPT_BUSINESS_TYPE } from './receipt';
import type { PageWx } from './wx';

declare const getApp: (() => { onShow?: (options: unknown) => void } | undefined) | undefined;

/** WeChat showing the app again after its confirm-receipt page, with that page's word. */
function backFromReceipt(status: 'success' | 'fail' | 'cancel', errormsg: string, requested: Record<string, string>): void {
  const app = typeof getApp === 'function' ? getApp() : undefined;
  app?.onShow?.({
    path: '',
    query: {},
    scene: 1038, // 从另一个小程序返回
    referrerInfo: { appId: RECEIPT_APP_ID, extraData: { status, errormsg, req_extradata: JSON.stringify(requested) } },
  });
}

/** The emulator's test user DevTools logs in as (a stable openid across runs). */
export const EMULATOR_USER = 'devtools';

export type AppWx = WxLike & PageWx;

interface PlatformWx {
  getDeviceInfo?: () => { platform: string };
  getSystemInfoSync?: () => { platform: string };
}

function platform(wx: PlatformWx): string {
  try {
    return (wx.getDeviceInfo ?? wx.getSystemInfoSync)?.()?.platform ?? '';
  } catch {
    return '';
  }
}

/** A server on this machine, or on its LAN (the address a phone uses for 真机调试). */
const LOCAL_API = /^http:\/\/(localhost|127(\.\d+){3}|10(\.\d+){3}|192\.168(\.\d+){2}|172\.(1[6-9]|2\d|3[01])(\.\d+){2})(:\d+)?(\/|$)/i;

/** DevTools talking to a server on this machine (`make run`), by loopback or LAN address. */
export function usesEmulator(wx: PlatformWx, env: Env): boolean {
  return platform(wx) === 'devtools' && env.emulatorBase !== undefined && LOCAL_API.test(env.apiBase);
}

function post(wx: WxLike, url: string, body: unknown): Promise<{ status: number; data: any }> {
  return new Promise((resolve, reject) => {
    wx.request({
      url,
      method: 'POST',
      header: { 'Content-Type': 'application/json' },
      data: JSON.stringify(body),
      dataType: 'json',
      responseType: 'text',
      timeout: REQUEST_TIMEOUT_MS,
      success: (res) => {
        let data = res.data;
        if (typeof data === 'string') {
          try {
            data = JSON.parse(data);
          } catch {
            // leave as text
          }
        }
        resolve({ status: res.statusCode, data });
      },
      fail: reject,
    });
  });
}

/** The emulator's refusal as WeChat's errMsg ("api:fail …"), whether or not it wrote one. */
function failMsg(api: string, res: { status: number; data: any }): string {
  const msg = res.data?.errMsg;
  if (typeof msg === 'string' && msg.startsWith(`${api}:fail`)) return msg;
  return `${api}:fail ${res.data?.error ?? res.status}`;
}

/** wx with login, requestPayment, the subscribe popup, the phone button and 确认收货 routed to the emulator (see the top of this file). */
export function emulatorWx(wx: AppWx, base: string = ENVS.develop.emulatorBase ?? ''): AppWx {
  return {
    request: (o) => wx.request(o),
    getStorageSync: (k) => wx.getStorageSync(k),
    setStorageSync: (k, v) => wx.setStorageSync(k, v),
    removeStorageSync: (k) => wx.removeStorageSync(k),
    showLoading: (o) => wx.showLoading(o),
    hideLoading: () => wx.hideLoading(),
    showToast: (o) => wx.showToast(o),
    showModal: (o) => wx.showModal(o),
    navigateTo: (o) => wx.navigateTo(o),
    navigateBack: (o) => wx.navigateBack(o),
    redirectTo: (o) => wx.redirectTo(o),
    switchTab: (o) => wx.switchTab(o),
    stopPullDownRefresh: () => wx.stopPullDownRefresh(),
    chooseAddress: (o) => wx.chooseAddress(o),
    openSetting: (o) => wx.openSetting(o),
    canIUse: (schema) => schema === 'openBusinessView' || schema === 'requestSubscribeMessage' || wx.canIUse(schema),

    requestSubscribeMessage(o) {
      wx.showModal({
        title: '模拟订阅消息',
        content: `开发者工具中由 wxmp 的微信模拟器代为订阅 ${o.tmplIds.length} 个消息模板`,
        confirmText: '允许',
        cancelText: '拒绝',
        success: (choice) => {
          const answer = choice.confirm ? 'accept' : 'reject';
          const results = Object.fromEntries(o.tmplIds.map((id) => [id, answer]));
          post(wx, `${base}/emulator/subscriptions`, { user: EMULATOR_USER, results }).then(
            (res) =>
              res.status === 200 && res.data?.result
                ? o.success?.(res.data.result)
                : o.fail?.({ errMsg: failMsg('requestSubscribeMessage', res), errCode: res.data?.errCode }),
            (err: { errMsg?: string }) => o.fail?.({ errMsg: `requestSubscribeMessage:fail ${err?.errMsg ?? 'emulator unreachable'}` }),
          );
        },
        fail: () => o.fail?.({ errMsg: 'requestSubscribeMessage:fail cancel' }),
      });
    },

    standInPhoneNumber(o) {
      wx.showModal({
        title: '模拟手机号快速验证',
        content: '开发者工具中由 wxmp 的微信模拟器代为提供手机号',
        confirmText: '允许',
        cancelText: '拒绝',
        success: (choice) => {
          if (!choice.confirm) {
            o.success({ errMsg: 'getPhoneNumber:fail user deny' });
            return;
          }
          post(wx, `${base}/emulator/phone-codes`, { user: EMULATOR_USER }).then(
            (res) =>
              res.status === 201 && typeof res.data?.code === 'string'
                ? o.success({ errMsg: 'getPhoneNumber:ok', code: res.data.code })
                : o.success({ errMsg: failMsg('getPhoneNumber', res), errno: res.data?.errno }),
            (err: { errMsg?: string }) => o.success({ errMsg: `getPhoneNumber:fail ${err?.errMsg ?? 'emulator unreachable'}` }),
          );
        },
        fail: () => o.success({ errMsg: 'getPhoneNumber:fail user deny' }),
      });
    },

    openBusinessView(o) {
      const transactionId = o.extraData.transaction_id ?? '';
      if (o.businessType !== RECEIPT_BUSINESS_TYPE || !transactionId) {
        o.fail?.({ errMsg: `openBusinessView:fail the emulator stands in for ${RECEIPT_BUSINESS_TYPE} only` });
        return;
      }
      // Back in the app first, then `success`: the page that opened it finds the answer at once.
      const back = (status: 'success' | 'fail' | 'cancel', errormsg = ''): void => {
        backFromReceipt(status, errormsg, o.extraData);
        o.success?.({ errMsg: 'openBusinessView:ok' });
      };
      wx.showModal({
        title: '模拟确认收货',
        content: '开发者工具中由 wxmp 的微信模拟器代为确认收货',
        confirmText: '确认收货',
        cancelText: '取消',
        success: (choice) => {
          if (!choice.confirm) {
            back('cancel');
            return;
          }
          post(wx, `${base}/emulator/shipping/${encodeURIComponent(transactionId)}/confirm`, {}).then(
            (res) => (res.status === 200 ? back('success') : back('fail', String(res.data?.error ?? res.status))),
            (err: { errMsg?: string }) => back('fail', err?.errMsg ?? 'emulator unreachable'),
          );
        },
        fail: () => o.fail?.({ errMsg: 'openBusinessView:fail' }),
      });
    },

    login(o) {
      post(wx, `${base}/emulator/login-codes`, { user: EMULATOR_USER }).then(
        (res) =>
          res.status === 201 && typeof res.data?.code === 'string'
            ? o.success({ code: res.data.code })
            : o.fail({ errMsg: `login:fail emulator answered ${res.status}` }),
        (err: { errMsg?: string }) => o.fail({ errMsg: `login:fail ${err?.errMsg ?? 'emulator unreachable'}` }),
      );
    },

    requestPayment(o) {
      const { timeStamp, nonceStr, package: pkg, signType, paySign } = o;
      wx.showModal({
        title: '模拟微信支付',
        content: '开发者工具中由 wxmp 的微信模拟器代为支付',
        confirmText: '支付',
        cancelText: '取消',
        success: (choice) => {
          if (!choice.confirm) {
            o.fail({ errMsg: 'requestPayment:fail cancel' });
            return;
          }
          post(wx, `${base}/emulator/payments`, { timeStamp, nonceStr, package: pkg, signType, paySign }).then(
            (res) =>
              res.status === 200
                ? o.success({ errMsg: 'requestPayment:ok' })
                : o.fail({ errMsg: `requestPayment:fail ${res.data?.error ?? res.status}` }),
            (err: { errMsg?: string }) => o.fail({ errMsg: `requestPayment:fail ${err?.errMsg ?? 'emulator unreachable'}` }),
          );
        },
        fail: () => o.fail({ errMsg: 'requestPayment:fail cancel' }),
      });
    },
  };
}

let cached: AppWx | undefined;

/**
 * The wx the app and the pay page use: the real one, or in DevTools against `make run`
 * the emulator-backed one. app.ts decides at launch (with this build's env); pages after
 * that get the same one.
 */
export function appWx(env?: Env): AppWx {
  if (env) cached = usesEmulator(wx, env) ? emulatorWx(wx, env.emulatorBase) : wx;
  return cached ?? wx;
}
