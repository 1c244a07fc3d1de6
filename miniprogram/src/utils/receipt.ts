// 确认收货 (confirm receipt) in WeChat's own page, as WeChat's order shipping management
// wants it (发货信息管理):
//
// 1. The order detail's 确认收货 opens WeChat's confirm-receipt page:
//      wx.openBusinessView({ businessType: 'weappOrderConfirm', extraData: { transaction_id } })
//    (base library 2.6.0; guarded by wx.canIUse('openBusinessView')). Which order it was for is
//    remembered first, in the app's globalData and in wx storage ('receiptPending'), since the
//    mini-program may be gone from memory when the buyer comes back.
// 2. The buyer comes back through App.onShow with referrerInfo.appId 'wx1183b055aeec94d1' and
//    referrerInfo.extraData {status: 'success' | 'fail' | 'cancel', errormsg, req_extradata}.
//    That page's word is never trusted: receiptReturned() asks the server,
//    POST /v1/orders/{id}/receipt, which asks WeChat (get_order) and answers with the order as
//    it now stands (received once WeChat says the buyer confirmed, completed once settled).
// 3. The order detail page of that order shows the server's order and a message (claimReceipt
//    in its onShow, which follows App.onShow); when no such page is showing, app.ts opens one.
//
// The server's answer always wins: a 'success' while the server still says shipped is "being
// processed" (asked again twice, after 1 s and 2 s), and a 'cancel' or 'fail' while the server
// says received is shown as received.
import type { Client, Order, WxLike } from '../api/index';
import { errorCode, messageForCode } from './errors';
import { sleep, type PageWx } from './wx';

/** The appId WeChat's confirm-receipt page comes back with (referrerInfo.appId). */
export const RECEIPT_APP_ID = 'wx1183b055aeec94d1';
export const RECEIPT_BUSINESS_TYPE = 'weappOrderConfirm';
/** wx storage key of the order whose confirm-receipt page is open. */
export const RECEIPT_PENDING_KEY = 'receiptPending';

/** The order whose confirm-receipt page was opened. */
export interface PendingReceipt {
  orderId: string;
  transactionId: string;
}

/** What WeChat's page said (extraData.status): a hint, never the verdict. */
export type ReceiptVerdict = 'success' | 'fail' | 'cancel' | 'unknown';

/** The server's answer after the buyer came back, and what to tell them. */
export interface ReceiptOutcome {
  orderId: string;
  verdict: ReceiptVerdict;
  /** The order as the server has it after asking WeChat; absent when the server did not answer. */
  order?: Order;
  /** Why the server did not answer. */
  error?: unknown;
  /** For a toast; '' when the order says it all. */
  message: string;
}

/** A return being settled with the server; the order detail page of orderId claims it once. */
export interface ReceiptReturn {
  orderId: string;
  outcome: Promise<ReceiptOutcome>;
  claimed: boolean;
}

/** Where the app keeps both (its globalData). */
export interface ReceiptState {
  receiptPending?: PendingReceipt;
  receiptReturn?: ReceiptReturn;
}

type StorageWx = Pick<WxLike, 'getStorageSync' | 'setStorageSync' | 'removeStorageSync'>;
export type ReceiptWx = StorageWx & Pick<PageWx, 'canIUse' | 'openBusinessView'>;

export function rememberReceipt(wx: StorageWx, state: ReceiptState, pending: PendingReceipt): void {
  state.receiptPending = pending;
  wx.setStorageSync(RECEIPT_PENDING_KEY, JSON.stringify(pending));
}

/** The remembered order: globalData, or wx storage after a restart. */
export function pendingReceipt(wx: StorageWx, state: ReceiptState): PendingReceipt | undefined {
  if (state.receiptPending) return state.receiptPending;
  const raw = wx.getStorageSync(RECEIPT_PENDING_KEY);
  if (typeof raw !== 'string' || raw === '') return undefined;
  try {
    const p = JSON.parse(raw) as Partial<PendingReceipt>;
    if (typeof p.orderId === 'string' && p.orderId !== '' && typeof p.transactionId === 'string') {
      return { orderId: p.orderId, transactionId: p.transactionId };
    }
  } catch {
    // not ours
  }
  return undefined;
}

export function forgetReceipt(wx: StorageWx, state: ReceiptState): void {
  state.receiptPending = undefined;
  wx.removeStorageSync(RECEIPT_PENDING_KEY);
}

/**
 * 'opened': WeChat's page is open and the answer comes back through App.onShow;
 * 'unsupported': this WeChat has no wx.openBusinessView; 'failed': it would not open.
 */
export type OpenReceiptResult = 'opened' | 'unsupported' | 'failed';

/** Opens WeChat's confirm-receipt page for the order, remembering which order it is. */
export function openConfirmReceipt(wx: ReceiptWx, state: ReceiptState, order: { id: string; transactionId: string }): Promise<OpenReceiptResult> {
  const open = wx.openBusinessView;
  if (!wx.canIUse('openBusinessView') || typeof open !== 'function') return Promise.resolve('unsupported');
  if (!order.transactionId) return Promise.resolve('failed');
  rememberReceipt(wx, state, { orderId: order.id, transactionId: order.transactionId });
  return new Promise((resolve) => {
    open.call(wx, {
      businessType: RECEIPT_BUSINESS_TYPE,
      extraData: { transaction_id: order.transactionId },
      success: () => resolve('opened'),
      fail: () => {
        forgetReceipt(wx, state);
        resolve('failed');
      },
    });
  });
}

function verdictOf(extraData: unknown): ReceiptVerdict {
  const status = typeof extraData === 'object' && extraData !== null ? (extraData as { status?: unknown }).status : undefined;
  return status === 'success' || status === 'fail' || status === 'cancel' ? status : 'unknown';
}

/** The sentence for the buyer: the server's status first, the page's word only while still shipped. */
export function receiptMessage(verdict: ReceiptVerdict, order: Order | undefined, error?: unknown): string {
  if (!order) return messageForCode(errorCode(error));
  if (order.status === 'received') return '已确认收货';
  if (order.status === 'completed') return '订单已完成';
  if (order.status !== 'shipped') return '';
  switch (verdict) {
    case 'success':
      return '确认收货处理中，请稍后查看';
    case 'cancel':
      return '已取消确认收货';
    case 'fail':
      return '确认收货未成功，请稍后重试';
    default:
      return '';
  }
}

export interface ReturnDeps {
  wx: StorageWx;
  state: ReceiptState;
  client: Client;
  /** Waits before asking again after a 'success' the server does not show yet. */
  retryDelaysMs?: number[];
  sleep?: (ms: number) => Promise<void>;
}

export const RECEIPT_RETRY_DELAYS_MS = [1000, 2000];

/**
 * App.onShow: when the buyer comes back from WeChat's confirm-receipt page for a remembered
 * order, ask the server (POST /v1/orders/{id}/receipt) and keep the answer for that order's
 * detail page to claim. undefined for any other show.
 */
export function receiptReturned(deps: ReturnDeps, referrer: { appId?: string; extraData?: unknown } | undefined): ReceiptReturn | undefined {
  if (!referrer || referrer.appId !== RECEIPT_APP_ID) return undefined;
  const pending = pendingReceipt(deps.wx, deps.state);
  if (!pending) return undefined;
  forgetReceipt(deps.wx, deps.state);
  const verdict = verdictOf(referrer.extraData);
  const ret: ReceiptReturn = { orderId: pending.orderId, claimed: false, outcome: askServer(deps, pending.orderId, verdict) };
  deps.state.receiptReturn = ret;
  return ret;
}

async function askServer(deps: ReturnDeps, orderId: string, verdict: ReceiptVerdict): Promise<ReceiptOutcome> {
  const delays = deps.retryDelaysMs ?? RECEIPT_RETRY_DELAYS_MS;
  const wait = deps.sleep ?? sleep;
  let order: Order | undefined; // the server's latest answer
  let error: unknown;
  for (let i = 0; ; i++) {
    try {
      order = await deps.client.request('/v1/orders/{orderId}/receipt', 'post', { params: { path: { orderId } } });
      error = undefined;
    } catch (err) {
      error = err;
    }
    // WeChat's page said confirmed but the server does not show it (yet): ask again, briefly.
    const unsettled = order === undefined || order.status === 'shipped';
    if (verdict !== 'success' || !unsettled || i >= delays.length) break;
    await wait(delays[i]);
  }
  return { orderId, verdict, order, error: order ? undefined : error, message: receiptMessage(verdict, order, error) };
}

/** The return for orderId, once: the order detail page showing that order takes it. */
export function claimReceipt(state: ReceiptState, orderId: string): ReceiptReturn | undefined {
  const ret = state.receiptReturn;
  if (!ret || ret.claimed || ret.orderId !== orderId) return undefined;
  ret.claimed = true;
  return ret;
}
