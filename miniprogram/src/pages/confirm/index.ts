// Confirmation page glue: the logic is in ./logic.ts (tested in test/pages).
// Each line's quantity-stepper gets value/max from this page (properties
// down) and reports taps with triggerEvent('change', {value}); the handler
// reads e.detail.value and the line's product id from data-id (event up).
// For physical goods an address-card gets `address` (properties down) and
// reports a tap with triggerEvent('choose') (event up): onChooseAddress asks
// wx.chooseAddress and the chosen address flows down again.
// 立即购买 asks for subscribe messages first (paid, shipped: utils/subscribe.ts); the template
// ids are read at load, since WeChat shows its popup only for a call made in the tap's turn.
// A privacy-guard shows the privacy guide when WeChat holds wx.chooseAddress for it.
import { getClient } from '../../api/index';
import { appWx } from '../../utils/devtools';
import type { StepperChangeDetail } from '../../components/quantity-stepper/index';
import { Subscriptions } from '../../utils/subscribe';
import { ConfirmController, ConfirmData, initialConfirmData } from './logic';

Page<ConfirmData, {
  ctrl?: ConfirmController;
  onQuantityChange(e: WechatMiniprogram.CustomEvent<StepperChangeDetail, {}, { id: string }>): void;
  onRemove(e: WechatMiniprogram.BaseEvent<{}, { id: string }>): void;
  onChooseAddress(): void;
  onSubmit(): void;
  onRetry(): void;
}>({
  data: initialConfirmData(),

  onLoad(query: Record<string, string | undefined>) {
    const subscriptions = new Subscriptions(getClient(), appWx());
    void subscriptions.preload();
    this.ctrl = new ConfirmController(this, getClient(), wx, undefined, subscriptions);
    void this.ctrl.load(query.items);
  },

  onQuantityChange(e) {
    this.ctrl?.changeQuantity(e.currentTarget.dataset.id, e.detail.value);
  },

  onRemove(e) {
    this.ctrl?.removeLine(e.currentTarget.dataset.id);
  },

  onChooseAddress() {
    void this.ctrl?.chooseAddress();
  },

  onSubmit() {
    void this.ctrl?.submit();
  },

  onRetry() {
    void this.ctrl?.refresh();
  },
});
