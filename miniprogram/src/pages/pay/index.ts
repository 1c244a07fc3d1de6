// Pay page glue: the logic is in ./logic.ts (tested in test/pages).
// Opened with ?orderId=… by the confirmation page (which leaves the fresh
// checkout in utils/handoff.ts) or by an order's "去支付". onShow refreshes
// a still-pending order from the server (PayController.resume).
import { getClient } from '../../api/index';
import { appWx } from '../../utils/devtools';
import { backOrRedirect, leave } from '../../utils/ui';
import { PayController, PayData, initialPayData } from './logic';

Page<PayData, {
  ctrl?: PayController;
  onRetry(): void;
  onRecheck(): void;
  onCancel(): void;
  onViewOrder(): void;
  onHome(): void;
  onBack(): void;
}>({
  data: initialPayData(),

  onLoad(query: Record<string, string | undefined>) {
    // appWx(): in DevTools against `make run` the emulator pays (utils/devtools.ts).
    this.ctrl = new PayController(this, getClient(), appWx());
    if (!query.orderId) {
      this.ctrl.missing();
      return;
    }
    void this.ctrl.start(query.orderId);
  },

  // Shown again (back from WeChat, another app or page): if the order is still
  // pending and nothing is running, ask the server once (refresh). The onShow
  // right after onLoad asks nothing: start() is running then.
  onShow() {
    void this.ctrl?.resume();
  },

  onUnload() {
    this.ctrl?.dispose();
  },

  onRetry() {
    void this.ctrl?.retry();
  },

  onRecheck() {
    void this.ctrl?.recheck();
  },

  onCancel() {
    void this.ctrl?.cancel();
  },

  // Back to the order's detail when that is where the user came from; otherwise in place of this page.
  onViewOrder() {
    backOrRedirect(wx, getCurrentPages(), 'pages/order-detail/index', { id: this.data.orderId });
  },

  onBack() {
    leave(wx, getCurrentPages());
  },

  onHome() {
    wx.switchTab({ url: '/pages/home/index' });
  },
});
