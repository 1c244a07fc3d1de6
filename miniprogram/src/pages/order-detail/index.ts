// Order detail page glue: the logic is in ./logic.ts (tested in test/pages).
// The shipment-card gets the shipment, `shipped`, `confirmable` and `busy`
// from this page (properties down) and reports 确认收货 with
// triggerEvent('confirm') (event up), handled by onConfirmReceipt.
import { getClient } from '../../api/index';
import { appWx } from '../../utils/devtools';
import type { IAppOption } from '../../utils/session';
import { leave } from '../../utils/ui';
import { OrderDetailController, OrderDetailData, initialOrderDetailData } from './logic';

Page<OrderDetailData, {
  ctrl?: OrderDetailController;
  onPay(): void;
  onCancel(): void;
  onConfirmReceipt(): void;
  onRetry(): void;
  onBack(): void;
}>({
  data: initialOrderDetailData(),

  onLoad(query: Record<string, string | undefined>) {
    // appWx(): in DevTools against `make run` the emulator stands in for WeChat's
    // confirm-receipt page (utils/devtools.ts). globalData: which 确认收货 is open.
    this.ctrl = new OrderDetailController(this, getClient(), appWx(), getApp<IAppOption>().globalData);
    if (query.id) this.setData({ orderId: query.id });
    else this.ctrl.missing(); // a bad link: say so, with a way back
  },

  // Also after coming back from the pay page: show the status the server has now; and after
  // WeChat's confirm-receipt page, the server's answer to it (App.onShow asked, just before).
  onShow() {
    if (this.data.orderId) void this.ctrl?.show(this.data.orderId);
  },

  onPay() {
    this.ctrl?.pay();
  },

  onCancel() {
    void this.ctrl?.cancel();
  },

  onConfirmReceipt() {
    void this.ctrl?.confirmReceipt();
  },

  onRetry() {
    if (this.data.orderId) void this.ctrl?.load(this.data.orderId);
  },

  onBack() {
    leave(wx, getCurrentPages());
  },
});
