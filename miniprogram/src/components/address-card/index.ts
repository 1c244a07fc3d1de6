// address-card: where a physical order goes.
//
// Parent → child: the page passes `address` (utils/format.ts AddressView, or null while none
// is chosen) and whether it may be changed (`editable`):
//   <address-card address="{{address}}" editable="{{true}}" bind:choose="onChooseAddress" />
// Child → parent: a tap on an editable card calls triggerEvent('choose', {}); the page asks
// wx.chooseAddress and sets the new `address`, which flows down again. The card never
// writes its own `address`, and asks WeChat for nothing itself.
import type { AddressView } from '../../utils/format';

Component({
  properties: {
    address: { type: Object, value: null as AddressView | null },
    editable: { type: Boolean, value: true },
  },

  methods: {
    onTap() {
      if (!this.data.editable) return;
      this.triggerEvent('choose', {});
    },
  },
});
