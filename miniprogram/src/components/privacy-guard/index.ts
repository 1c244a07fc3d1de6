// privacy-guard: the privacy guide's logic on a page that collects user information (我的:
// avatar, nickname, phone; 确认订单: the address). Put one on such a page:
//   <privacy-guard bind:agree="onPrivacyAgree" bind:refuse="onPrivacyRefuse" />
// It registers the app's one wx.onNeedPrivacyAuthorization listener (utils/privacy.ts, guarded by
// wx.canIUse) and is the popup's host while its page shows. When WeChat holds a privacy call it
// shows its child, privacy-popup (properties down: show, contractName, purpose), and answers
// WeChat with what comes up from it:
//   agree {buttonId}  → resolve({buttonId, event: 'agree'}): the held calls go on;
//   refuse            → resolve({event: 'disagree'}): they fail with errno 104;
//   contract          → wx.openPrivacyContract.
// Up to the page: `agree` {count} and `refuse` {count}, with how many held calls were answered.
import {
  activateHost,
  agreePrivacy,
  installPrivacy,
  openPrivacyContract,
  privacyContractName,
  refusePrivacy,
  removeHost,
  type PrivacyHost,
  type PrivacyWx,
} from '../../utils/privacy';

/** What the call WeChat held was for, by its referrer ("button.getPhoneNumber"). */
export function purposeOf(referrer: string): string {
  const r = referrer.toLowerCase();
  if (r.includes('phonenumber')) return '验证手机号';
  if (r.includes('chooseavatar')) return '设置头像';
  if (r.includes('nickname')) return '填写昵称';
  if (r.includes('chooseaddress')) return '选择收货地址';
  return '';
}

function privacyWx(): PrivacyWx {
  return wx as unknown as PrivacyWx;
}

Component({
  data: {
    show: false,
    contractName: '',
    purpose: '',
  },

  lifetimes: {
    attached() {
      const w = privacyWx();
      if (!installPrivacy(w)) return; // no privacy check in this WeChat
      const host: PrivacyHost = {
        open: (referrer) => {
          this.setData({ show: true, purpose: purposeOf(referrer) });
          void privacyContractName(w).then((name) => {
            if (name) this.setData({ contractName: name });
          });
        },
        close: () => this.setData({ show: false }),
      };
      (this as unknown as { host: PrivacyHost }).host = host;
      activateHost(w, host);
    },
    detached() {
      const host = (this as unknown as { host?: PrivacyHost }).host;
      if (host) removeHost(privacyWx(), host);
    },
  },

  pageLifetimes: {
    // Back on this page (from another page that has its own guard): popups show here again.
    show() {
      const host = (this as unknown as { host?: PrivacyHost }).host;
      if (host) activateHost(privacyWx(), host);
    },
  },

  methods: {
    onAgree(e: WechatMiniprogram.CustomEvent<{ buttonId: string }>) {
      const count = agreePrivacy(privacyWx(), e.detail.buttonId);
      this.triggerEvent('agree', { count });
    },

    onRefuse() {
      const count = refusePrivacy(privacyWx());
      this.triggerEvent('refuse', { count });
    },

    onContract() {
      void openPrivacyContract(privacyWx());
    },
  },
});
