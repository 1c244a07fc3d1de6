// 我的 (the buyer): avatar, nickname, phone (utils/profile.ts), my orders, 客服 and 退出登录.
// Every figure shown is the server's User: the avatar after the server re-encoded it, the
// nickname as saved, the phone masked.
//
// - Avatar: the chosen picture shows at once, marked 上传中 (loading state) while wx.uploadFile
//   runs; the server's picture replaces it, or the old one comes back with the reason (not an
//   image, too large, wrong type, no network).
// - Nickname: saved on blur and on confirm (the same value is not sent twice; one save at a
//   time, the last value wins); an empty or too long one is refused here with the old one put
//   back. wx.request cannot send PATCH (its methods are GET, POST, PUT, DELETE…), so the
//   nickname goes as PUT /v1/me {nickname}.
// - Phone: the code from getPhoneNumber goes to the server; the user's refusal, the privacy
//   guide refused, and the quota spent (1400001: WeChat's own notice) never reach it; a code
//   the server finds used or expired asks the user to try again.
// - 退出登录 (after confirming): the app's logout (the server revokes the token); the page then
//   offers 登录 again.
import { getApi, type Api, type User } from '../../api/index';
import { errorCode, messageForCode, showError } from '../../utils/errors';
import { AvatarError, avatarSrc, checkNickname, phoneCode, saveNicknameRequest, uploadAvatar, type PhoneDetail, type UploadWx } from '../../utils/profile';
import { hideLoading, showLoading, toast } from '../../utils/ui';
import { PageWx, View, confirmModal } from '../../utils/wx';

export interface MeData {
  /** false after 退出登录, until 登录. */
  loggedIn: boolean;
  loading: boolean;
  loadError: string;
  /** What the avatar image shows: the server's picture, the chosen one while uploading, or '' (placeholder). */
  avatarSrc: string;
  /** The upload is running: the avatar is marked and its button disabled. */
  uploading: boolean;
  /** The nickname as saved ('' when none). */
  nickname: string;
  savingNickname: boolean;
  /** The verified phone, masked ("138****1234"); '' when none. */
  phone: string;
  verifyingPhone: boolean;
  loggingOut: boolean;
}

export function initialMeData(): MeData {
  return {
    loggedIn: true,
    loading: false,
    loadError: '',
    avatarSrc: '',
    uploading: false,
    nickname: '',
    savingNickname: false,
    phone: '',
    verifyingPhone: false,
    loggingOut: false,
  };
}

export type MeWx = PageWx & UploadWx;
export type MeApi = Pick<Api, 'client' | 'baseUrl' | 'ensureLogin' | 'login'>;

/** The app's part: log out (revoke and forget), and log in again. */
export interface MeApp {
  logout(): Promise<void>;
  whenLoggedIn(): Promise<string>;
}

export class MeController {
  /** The server's user, as last answered. */
  private user?: User;
  /** The nickname being saved and the one to save after it. */
  private saving?: Promise<void>;
  private nextNickname?: string;

  constructor(
    private readonly view: View<MeData>,
    private readonly api: MeApi,
    private readonly wx: MeWx,
    private readonly app: MeApp,
  ) {}

  /** GET /v1/me. */
  async load(): Promise<void> {
    if (!this.view.data.loggedIn) return;
    this.view.setData({ loading: true, loadError: '' });
    showLoading(this.wx, '加载中');
    try {
      this.show(await this.api.client.request('/v1/me', 'get'));
    } catch (err) {
      this.view.setData({ loadError: messageForCode(showError(this.wx, err)) });
    } finally {
      hideLoading(this.wx);
      this.view.setData({ loading: false });
    }
  }

  /** bindchooseavatar: e.detail.avatarUrl, a temp file; uploaded at once. */
  async chooseAvatar(tempPath: string | undefined): Promise<void> {
    if (!tempPath || this.view.data.uploading) return;
    const before = this.view.data.avatarSrc;
    this.view.setData({ uploading: true, avatarSrc: tempPath });
    showLoading(this.wx, '上传中');
    try {
      const user = await uploadAvatar(this.wx, this.api, tempPath);
      hideLoading(this.wx);
      this.show(user);
      toast(this.wx, '头像已更新', 'success');
    } catch (err) {
      hideLoading(this.wx);
      this.view.setData({ avatarSrc: before });
      showError(this.wx, err instanceof AvatarError ? { code: err.code } : err);
    } finally {
      this.view.setData({ uploading: false });
    }
  }

  /** The nickname input's blur or confirm: e.detail.value. */
  saveNickname(raw: string | undefined): Promise<void> {
    const value = raw ?? '';
    if (this.saving) {
      this.nextNickname = value; // the last value wins, after the save under way
      return this.saving;
    }
    this.saving = this.save(value).finally(() => {
      this.saving = undefined;
      const next = this.nextNickname;
      this.nextNickname = undefined;
      if (next !== undefined) void this.saveNickname(next);
    });
    return this.saving;
  }

  private async save(raw: string): Promise<void> {
    const saved = this.user?.nickname ?? '';
    const checked = checkNickname(raw);
    if ('error' in checked) {
      if (raw.trim() === '' && saved === '') return; // nothing typed, nothing to say
      showError(this.wx, { code: checked.error });
      this.view.setData({ nickname: saved }); // the saved one comes back
      return;
    }
    if (checked.nickname === saved) {
      if (this.view.data.nickname !== saved) this.view.setData({ nickname: saved });
      return;
    }
    this.view.setData({ savingNickname: true, nickname: checked.nickname });
    try {
      // PUT, not the contract's PATCH: wx.request has no PATCH (utils/profile.ts).
      const user = await saveNicknameRequest(this.api.client, checked.nickname);
      this.show(user);
      toast(this.wx, '昵称已保存', 'success');
    } catch (err) {
      showError(this.wx, err);
      this.view.setData({ nickname: saved });
    } finally {
      this.view.setData({ savingNickname: false });
    }
  }

  /** bindgetphonenumber: e.detail. */
  async phoneNumber(detail: PhoneDetail | undefined): Promise<void> {
    if (this.view.data.verifyingPhone) return;
    const got = phoneCode(detail);
    if ('error' in got) {
      if (got.error === 'phone_no_quota') {
        // WeChat shows its own notice too; say it here as well, and ask the server nothing.
        this.wx.showModal({ title: '暂时无法验证手机号', content: messageForCode('phone_no_quota'), showCancel: false });
      } else {
        showError(this.wx, { code: got.error });
      }
      return;
    }
    this.view.setData({ verifyingPhone: true });
    showLoading(this.wx, '正在验证');
    try {
      const user = await this.api.client.request('/v1/me/phone', 'post', { body: { code: got.code } });
      hideLoading(this.wx);
      this.show(user);
      toast(this.wx, '手机号已验证', 'success');
    } catch (err) {
      hideLoading(this.wx);
      // invalid_code here is the phone code (used or expired), not a login.
      showError(this.wx, errorCode(err) === 'invalid_code' ? { code: 'phone_code_invalid' } : err);
    } finally {
      this.view.setData({ verifyingPhone: false });
    }
  }

  /** 我的订单: the orders tab. */
  openOrders(): void {
    this.wx.switchTab({ url: '/pages/orders/index' });
  }

  /** 退出登录, after the user confirms. */
  async logout(): Promise<void> {
    if (this.view.data.loggingOut || !this.view.data.loggedIn) return;
    if (!(await confirmModal(this.wx, '退出登录', '退出后需要重新登录才能查看订单。', '退出'))) return;
    this.view.setData({ loggingOut: true });
    showLoading(this.wx, '正在退出');
    try {
      await this.app.logout();
      this.user = undefined;
      this.view.setData({ ...initialMeData(), loggedIn: false });
      hideLoading(this.wx);
      toast(this.wx, '已退出登录', 'none');
    } catch (err) {
      hideLoading(this.wx);
      showError(this.wx, err);
    } finally {
      this.view.setData({ loggingOut: false });
    }
  }

  /** 登录, after 退出登录. */
  async login(): Promise<void> {
    try {
      await this.app.whenLoggedIn();
    } catch (err) {
      showError(this.wx, err);
      return;
    }
    this.view.setData({ loggedIn: true });
    await this.load();
  }

  private show(user: User): void {
    this.user = user;
    this.view.setData({
      avatarSrc: avatarSrc(this.api.baseUrl, user.avatar_url),
      nickname: user.nickname ?? '',
      phone: user.phone ?? '',
    });
  }
}

/** The app's Api for the page (getApi at load). */
export function meApi(): MeApi {
  return getApi();
}
