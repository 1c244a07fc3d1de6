// 我的 page glue: the logic is in ./logic.ts (tested in test/pages).
// WeChat's own buttons do the asking: open-type="chooseAvatar" (bindchooseavatar →
// e.detail.avatarUrl), input type="nickname" (bindblur / bindconfirm → e.detail.value),
// open-type="getPhoneNumber" (bindgetphonenumber → e.detail {code, errMsg, errno}) and
// open-type="contact" (客服, WeChat's own). Each is a privacy API: the page's privacy-guard shows
// the privacy guide when WeChat holds one of them for it.
import { appWx } from '../../utils/devtools';
import type { IAppOption } from '../../utils/session';
import type { PhoneDetail } from '../../utils/profile';
import { MeController, MeData, initialMeData, meApi } from './logic';

Page<MeData, {
  ctrl?: MeController;
  onChooseAvatar(e: WechatMiniprogram.CustomEvent<{ avatarUrl: string }>): void;
  onNicknameBlur(e: WechatMiniprogram.CustomEvent<{ value: string }>): void;
  onNicknameConfirm(e: WechatMiniprogram.CustomEvent<{ value: string }>): void;
  onGetPhoneNumber(e: WechatMiniprogram.CustomEvent<PhoneDetail>): void;
  onOrders(): void;
  onLogout(): void;
  onLogin(): void;
  onRetry(): void;
}>({
  data: initialMeData(),

  onLoad() {
    const app = getApp<IAppOption>();
    this.ctrl = new MeController(this, meApi(), wx, app);
    void app.whenLoggedIn().then(
      () => this.ctrl?.load(),
      () => this.ctrl?.load(), // the load shows why
    );
  },

  onChooseAvatar(e) {
    void this.ctrl?.chooseAvatar(e.detail.avatarUrl);
  },

  onNicknameBlur(e) {
    void this.ctrl?.saveNickname(e.detail.value);
  },

  onNicknameConfirm(e) {
    void this.ctrl?.saveNickname(e.detail.value);
  },

  onGetPhoneNumber(e) {
    // In DevTools against make run, the emulator gives the code (utils/devtools.ts).
    const standIn = appWx().standInPhoneNumber;
    if (standIn) standIn({ success: (detail) => void this.ctrl?.phoneNumber(detail) });
    else void this.ctrl?.phoneNumber(e.detail);
  },

  onOrders() {
    this.ctrl?.openOrders();
  },

  onLogout() {
    void this.ctrl?.logout();
  },

  onLogin() {
    void this.ctrl?.login();
  },

  onRetry() {
    void this.ctrl?.load();
  },
});
