// privacy-popup: the privacy guide's popup, what the user sees and taps. It decides nothing.
//
// Parent → child: privacy-guard passes whether it shows, the guide's name as the merchant set
// it in the admin console, and what the held call was for:
//   <privacy-popup show="{{show}}" contract-name="{{contractName}}" purpose="{{purpose}}"
//                  bind:agree="onAgree" bind:refuse="onRefuse" bind:contract="onContract" />
// Child → parent:
//   agree {buttonId}  the agree button (open-type="agreePrivacyAuthorization") was tapped: its
//                     bindagreeprivacyauthorization fired, so WeChat has seen the tap on that id;
//   refuse {}         拒绝;
//   contract {}       the guide's name was tapped: the parent opens it (wx.openPrivacyContract).
// It never hides itself: the parent's answer sets `show` again.
import { AGREE_BUTTON_ID } from '../../utils/privacy';

Component({
  properties: {
    show: { type: Boolean, value: false },
    contractName: { type: String, value: '' },
    /** What the held call was for ("验证手机号"); '' for a generic sentence. */
    purpose: { type: String, value: '' },
  },

  data: {
    agreeId: AGREE_BUTTON_ID,
  },

  methods: {
    onAgree() {
      if (!this.data.show) return;
      this.triggerEvent('agree', { buttonId: AGREE_BUTTON_ID });
    },

    onRefuse() {
      if (!this.data.show) return;
      this.triggerEvent('refuse', {});
    },

    onContract() {
      this.triggerEvent('contract', {});
    },

    // The mask swallows touches so the page below does not scroll.
    noop() {},
  },
});
