// Order detail page glue: the logic is in ./logic.ts (tested in test/pages).
// The shipment-card gets the shipment, `shipped`, `confirmable` and `busy`
// from this page (properties down) and reports 确认收货 with
// triggerEvent('confirm') (event up), handled by onConfirmReceipt.
// 申请退款 (售后): the form's 提交申请 asks for subscribe messages (refunded, refund_request; the
// template ids are read at load) in the tap's turn, then creates the request; 撤回 withdraws it.
import { getClient } from '../../api/index';
import { appWx } from '../../utils/devtools';
import type { IAppOption } from '../../utils/session';
import { Subscriptions } from '../../utils/subscribe';
import { leave } from '../../utils/ui';
import { OrderDetailController, OrderDetailData, initialOrderDetailData } from './logic';

Page<OrderDetailData, {
  ctrl?: OrderDetailController;
  onPay(): void;
  onCancel(): void;
  onConfirmReceipt(): void;
  onRetry(): void;
  onBack(): void;
  onRefundOpen(): void;
  onRefundClose(): void;
  onRefundAmount(e: WechatMiniprogram.Input): void;
  onRefundReason(e: WechatMiniprogram.Input): void;
  onRefundSubmit(): void;
  onRefundWithdraw(e: WechatMiniprogram.BaseEvent<{}, { id: string }>): void;
}>({
  data: initialOrderDetailData(),

  onLoad(query: Record<string, string | undefined>) {
    // appWx(): in DevTools against `make run` the emulator stands in for WeChat's
    // confirm-receipt page (utils/devtools.ts). globalData: which 确认收货 is open.
    const subscriptions = new Subscriptions(getClient(), appWx());
    void subscriptions.preload();
    this.ctrl = new OrderDetailController(this, getClient(), appWx(), getApp<IAppOption>().globalData, subscriptions);
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

  onRefundOpen() {
    this.ctrl?.openRefundForm();
  },

  onRefundClose() {
    this.ctrl?.closeRefundForm();
  },

  onRefundAmount(e) {
    this.ctrl?.setRefundAmount(e.detail.value);
  },

  onRefundReason(e) {
    this.ctrl?.setRefundReason(e.detail.value);
  },

  onRefundSubmit() {
    void this.ctrl?.submitRefund();
  },

  onRefundWithdraw(e) {
    void this.ctrl?.withdrawRefund(e.currentTarget.dataset.id);
  },
});
