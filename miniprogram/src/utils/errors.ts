// The one place that turns a failure into the sentence the user reads.
//
// Server failures arrive as ApiError (api/client.ts) carrying the problem's
// stable `code` (openapi.yaml ProblemCode) or one of the client's own
// (`network_error`, `invalid_response`). WeChat's APIs fail with an `errMsg`
// such as "requestPayment:fail cancel". Matching is by shape, not by class,
// so errors thrown by test doubles are understood the same way.
import type { ErrorCode } from '../api/index';
import type { PageWx } from './wx';
import { toast } from './ui';

/** Codes the pages add for what happens in WeChat rather than on the server. */
export type UiErrorCode =
  | 'payment_cancelled'
  | 'payment_failed'
  | 'payment_unconfirmed'
  | AddressErrorCode
  | 'receipt_unsupported'
  | 'receipt_unavailable'
  | AvatarErrorCode
  | PhoneErrorCode
  | 'nickname_empty'
  | 'nickname_too_long'
  | 'refund_amount_invalid'
  | 'refund_reason_missing'
  | 'unknown';

/**
 * The avatar upload (wx.uploadFile after chooseAvatar): the server refused the bytes as not an
 * image or truncated (400), too large (413) or of a type it does not take (415), or the upload
 * itself failed (no answer).
 */
export type AvatarErrorCode = 'avatar_invalid' | 'avatar_too_large' | 'avatar_unsupported' | 'avatar_failed';

/**
 * 手机号快速验证: the user refused (e.detail.errMsg "...deny"), the privacy guide was refused,
 * the mini-program's paid quota is spent (e.detail.errno 1400001: no code, the server is not
 * asked), the server found the code used or expired (invalid_code), or WeChat gave nothing.
 */
export type PhoneErrorCode = 'phone_denied' | 'phone_privacy' | 'phone_no_quota' | 'phone_code_invalid' | 'phone_failed';

/**
 * How wx.chooseAddress failed: the user closed the picker, refused the address permission
 * (scope.address), refused the privacy guide (errno 104), the build does not declare the API
 * (app.json requiredPrivateInfos, or the privacy guide: errno 112), the address lacks what
 * an order needs, or anything else.
 */
export type AddressErrorCode = 'address_cancelled' | 'address_denied' | 'address_privacy' | 'address_undeclared' | 'address_incomplete' | 'address_failed';

// Record<ErrorCode, …> makes the compiler insist on a message for every code
// the contract (and the client) can produce.
const MESSAGES: Record<ErrorCode | UiErrorCode, string> = {
  invalid_request: '请求有误，请重试',
  unsupported_media_type: '请求有误，请重试',
  payload_too_large: '请求内容过大',
  not_found: '内容不存在或已删除',
  method_not_allowed: '请求有误，请重试',
  unauthorized: '请重新登录',
  invalid_code: '登录失败，请重试',
  user_blocked: '账号存在风险，暂时无法使用',
  rate_limited: '操作太频繁，请稍后再试',
  wechat_unavailable: '微信服务繁忙，请稍后再试',
  not_ready: '服务暂不可用，请稍后再试',
  internal: '服务器开小差了，请稍后再试',
  out_of_stock: '库存不足',
  product_unavailable: '商品已下架',
  idempotency_conflict: '订单已提交，请勿重复操作',
  order_not_payable: '订单已支付、取消或过期',
  order_not_cancellable: '订单已支付，无法取消',
  wechatpay_unavailable: '支付服务繁忙，请稍后再试',
  wechatpay_rejected: '支付下单失败，请稍后再试',
  not_refundable: '该订单不能退款',
  refund_too_large: '退款金额超过可退金额',
  sku_taken: '商品编号已存在',
  not_shippable: '该订单暂不能发货',
  address_required: '请先选择收货地址',
  token_force_limited: '操作太频繁，请稍后再试',
  request_not_open: '退款申请已在处理或已结束',
  network_error: '网络异常，请检查网络后重试',
  invalid_response: '服务器响应异常，请稍后再试',
  payment_cancelled: '已取消支付',
  payment_failed: '支付失败，请重试',
  payment_unconfirmed: '支付结果确认中，请稍后在订单中查看',
  address_cancelled: '未选择收货地址',
  address_denied: '未允许使用通讯地址，请在设置中允许后重试',
  address_privacy: '同意隐私保护指引后才能选择收货地址',
  address_undeclared: '当前版本暂不支持选择收货地址',
  address_incomplete: '收货地址不完整，请重新选择',
  address_failed: '无法获取收货地址，请重试',
  receipt_unsupported: '当前微信版本过低，请升级微信后再确认收货',
  receipt_unavailable: '无法打开确认收货，请稍后重试',
  avatar_invalid: '图片无法识别，请换一张',
  avatar_too_large: '图片太大，请选择 2 MB 以内的图片',
  avatar_unsupported: '图片无法识别，请选择 JPG、PNG 或 GIF 图片',
  avatar_failed: '头像上传失败，请重试',
  phone_denied: '未授权手机号',
  phone_privacy: '同意隐私保护指引后才能验证手机号',
  phone_no_quota: '该功能使用次数已达当前小程序上限，暂时无法使用',
  phone_code_invalid: '验证已过期，请重新验证手机号',
  phone_failed: '手机号验证失败，请重试',
  nickname_empty: '昵称不能为空',
  nickname_too_long: '昵称最多 20 个字',
  refund_amount_invalid: '请输入正确的退款金额',
  refund_reason_missing: '请填写退款原因',
  unknown: '出错了，请稍后再试',
};

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

/** The stable code of any failure the pages may see. */
export function errorCode(err: unknown): string {
  if (!isObject(err)) return 'unknown';
  if (typeof err.code === 'string' && err.code !== '') return err.code;
  const msg = typeof err.errMsg === 'string' ? err.errMsg : '';
  if (msg.startsWith('requestPayment:')) return /cancel/.test(msg) ? 'payment_cancelled' : 'payment_failed';
  if (msg.startsWith('chooseAddress:')) return addressErrorCode(msg, typeof err.errno === 'number' ? err.errno : undefined);
  if (msg.startsWith('openBusinessView:')) return 'receipt_unavailable';
  return 'unknown';
}

/** wx.chooseAddress's fail, by errno where WeChat gives one and by errMsg otherwise. */
export function addressErrorCode(errMsg: string, errno?: number): AddressErrorCode {
  if (/cancel/i.test(errMsg)) return 'address_cancelled';
  // "api scope is not declared in the privacy agreement" (112); "…declared in the requiredPrivateInfos field…"
  if (errno === 112 || /requiredPrivateInfos|not declared/i.test(errMsg)) return 'address_undeclared';
  // "privacy permission is not authorized" (104): the user declined the privacy guide.
  if (errno === 104 || /privacy/i.test(errMsg)) return 'address_privacy';
  // "auth deny", "auth denied", "authorize no response": scope.address refused.
  if (/auth|deny|denied|scope|permission/i.test(errMsg)) return 'address_denied';
  return 'address_failed';
}

/** The message for a code; codes added to the contract later get a generic one. */
export function messageForCode(code: string): string {
  return (MESSAGES as Record<string, string>)[code] ?? MESSAGES.unknown;
}

/** The Chinese sentence for a failure. */
export function errorMessage(err: unknown): string {
  return messageForCode(errorCode(err));
}

/**
 * Shows the failure as a toast and returns its code. icon 'none' because the
 * success/error icons cut the title to 7 characters.
 */
export function showError(wx: Pick<PageWx, 'showToast'>, err: unknown): string {
  const code = errorCode(err);
  toast(wx, messageForCode(code), 'none', 2500);
  return code;
}
