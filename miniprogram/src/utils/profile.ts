// The buyer's profile on the 我的 page: avatar (头像), nickname (昵称) and phone (手机号).
//
// Avatar: <button open-type="chooseAvatar" bindchooseavatar> gives e.detail.avatarUrl, a temp
//   file on the phone; wx.uploadFile sends it as multipart/form-data, part `file`, to
//   POST /v1/me/avatar with the bearer token (wx.uploadFile is not wx.request: the client's
//   401 → log in again → retry once is done here by hand). The server sniffs the type, limits
//   the size (2 MiB), re-encodes the picture and answers the User, whose avatar_url is a path
//   (/v1/images/{id}) under the API's base. 400 (invalid_request), 413 (too large) and 415
//   (not a picture it reads, or cut short) each have their own message.
// Nickname: <input type="nickname"> (WeChat's nickname keyboard; WeChat checks the content),
//   1 to 20 characters, saved on blur and on confirm.
// Phone: <button open-type="getPhoneNumber" bindgetphonenumber> gives e.detail.code, exchanged by
//   POST /v1/me/phone {code}; the User shows it masked. Before any server call: the user's
//   refusal (errMsg "...deny"), the privacy guide refused (errno 104), and the mini-program's
//   paid quota spent (errno 1400001: WeChat gives no code).
import { ApiError, REQUEST_TIMEOUT_MS, type Api, type Client, type User } from '../api/index';
import type { AvatarErrorCode, PhoneErrorCode } from './errors';

/** The limit the server enforces (2 MiB); chooseAvatar's pictures are far smaller. */
export const MAX_AVATAR_BYTES = 2 * 1024 * 1024;
export const NICKNAME_MAX = 20;
/** e.detail.errno when the mini-program's 手机号快速验证 quota is spent. */
export const PHONE_NO_QUOTA_ERRNO = 1400001;

/** A failed avatar upload; `code` is what errors.ts turns into the user's sentence. */
export class AvatarError extends Error {
  constructor(
    readonly code: AvatarErrorCode,
    readonly detail: string,
  ) {
    super(detail);
    this.name = 'AvatarError';
  }
}

export interface UploadOption {
  url: string;
  filePath: string;
  name: string;
  header?: Record<string, string>;
  timeout?: number;
  success?: (res: { data: string; statusCode: number }) => void;
  fail?: (err: { errMsg: string }) => void;
}

/** wx.uploadFile; the real wx satisfies it. */
export interface UploadWx {
  uploadFile(option: UploadOption): unknown;
}

type UploadApi = Pick<Api, 'baseUrl' | 'ensureLogin' | 'login'>;

function parse(data: unknown): unknown {
  if (typeof data !== 'string') return data;
  try {
    return JSON.parse(data);
  } catch {
    return undefined;
  }
}

function isUser(v: unknown): v is User {
  return typeof v === 'object' && v !== null && typeof (v as User).id === 'string' && typeof (v as User).openid === 'string';
}

/** Uploads the temp file chooseAvatar gave; resolves with the User the server now has. */
export async function uploadAvatar(wx: UploadWx, api: UploadApi, filePath: string, timeoutMs: number = REQUEST_TIMEOUT_MS): Promise<User> {
  const send = (token: string): Promise<{ data: string; statusCode: number }> =>
    new Promise((resolve, reject) => {
      wx.uploadFile({
        url: `${api.baseUrl.replace(/\/+$/, '')}/v1/me/avatar`,
        filePath,
        name: 'file',
        header: { Authorization: `Bearer ${token}` },
        timeout: timeoutMs,
        success: resolve,
        fail: (err) => reject(new AvatarError('avatar_failed', err?.errMsg ?? 'uploadFile:fail')),
      });
    });
  let res = await send(await api.ensureLogin());
  const body = (): unknown => parse(res.data);
  if (res.statusCode === 401) res = await send(await api.login()); // a stale token: once, like the client
  if (res.statusCode === 200) {
    const user = body();
    if (isUser(user)) return user;
    throw new ApiError({ status: 200, code: 'invalid_response', detail: 'the upload answered without a user' });
  }
  const problem = body() as { code?: unknown; detail?: unknown } | undefined;
  const detail = typeof problem?.detail === 'string' ? problem.detail : `HTTP ${res.statusCode}`;
  if (res.statusCode === 413) throw new AvatarError('avatar_too_large', detail);
  if (res.statusCode === 415) throw new AvatarError('avatar_unsupported', detail);
  if (res.statusCode === 400) throw new AvatarError('avatar_invalid', detail);
  const code = typeof problem?.code === 'string' ? problem.code : 'invalid_response';
  throw new ApiError({ status: res.statusCode, code, detail });
}

/** Where to show an avatar: the server's path under the API's base (an absolute URL as it is). */
export function avatarSrc(baseUrl: string, avatarUrl: string | undefined): string {
  if (!avatarUrl) return '';
  if (/^https?:\/\//i.test(avatarUrl)) return avatarUrl;
  return `${baseUrl.replace(/\/+$/, '')}${avatarUrl.startsWith('/') ? '' : '/'}${avatarUrl}`;
}

/** Characters as a person counts them (an emoji is one), which is how the server counts. */
export function charCount(s: string): number {
  return Array.from(s).length;
}

/** The nickname to save, or why not. */
export function checkNickname(raw: string): { nickname: string } | { error: 'nickname_empty' | 'nickname_too_long' } {
  const nickname = raw.trim();
  if (nickname === '') return { error: 'nickname_empty' };
  if (charCount(nickname) > NICKNAME_MAX) return { error: 'nickname_too_long' };
  return { nickname };
}

/**
 * Saves the nickname: PUT /v1/me {nickname}. openapi.yaml names PATCH, which wx.request cannot
 * send (its methods are OPTIONS, GET, HEAD, POST, PUT, DELETE, TRACE, CONNECT: a PATCH fails
 * on the phone with "request:fail method is invalid"), so the app sends PUT with the same body;
 * the typed client only knows the contract's methods, hence the cast.
 */
export function saveNicknameRequest(client: Client, nickname: string): Promise<User> {
  const request = client.request as unknown as (path: '/v1/me', method: 'put', init: { body: { nickname: string } }) => Promise<User>;
  return request.call(client, '/v1/me', 'put', { body: { nickname } });
}

/** What bindgetphonenumber gives (e.detail). */
export interface PhoneDetail {
  code?: string;
  errMsg?: string;
  errno?: number;
}

/** The code to send, or why there is none (no server call then). */
export function phoneCode(detail: PhoneDetail | undefined): { code: string } | { error: PhoneErrorCode } {
  const errMsg = detail?.errMsg ?? '';
  if (detail?.errno === PHONE_NO_QUOTA_ERRNO) return { error: 'phone_no_quota' };
  if (detail?.errno === 104 || /privacy/i.test(errMsg)) return { error: 'phone_privacy' };
  if (/deny|denied|cancel/i.test(errMsg)) return { error: 'phone_denied' };
  if (typeof detail?.code === 'string' && detail.code !== '') return { code: detail.code };
  return { error: 'phone_failed' };
}
