// Order detail page glue: the logic is in ./logic.ts (tested in test/pages).
import { getClient } from '../../api/index';
import { leave } from '../../utils/ui';
import { OrderDetailController, OrderDetailData, initialOrderDetailData } from './logic';

Page<OrderDetailData, {
  ctrl?: OrderDetailController;
  onPay(): void;
  onCancel(): void;
  onRetry(): void;
  onBack(): void;
}>({
  data: initialOrderDetailData(),

  onLoad(query: Record<string, string | undefined>) {
    this.ctrl = new OrderDetailController(this, getClient(), wx);
    if (query.id) this.setData({ orderId: query.id });
    else this.ctrl.missing(); // a bad link: say so, with a way back
  },

  // Also after coming back from the pay page: show the status the server has now.
  onShow() {
    if (this.data.orderId) void this.ctrl?.load(this.data.orderId);
  },

  onPay() {
    this.ctrl?.pay();
  },

  onCancel() {
    void this.ctrl?.cancel();
  },

  onRetry() {
    if (this.data.orderId) void this.ctrl?.load(this.data.orderId);
  },

  onBack() {
    leave(wx, getCurrentPages());
  },
});
