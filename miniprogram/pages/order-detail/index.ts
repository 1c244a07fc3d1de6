// Order detail page glue: the logic is in ./logic.ts (tested in test/pages).
import { getClient } from '../../api/client';
import { OrderDetailController, OrderDetailData, initialOrderDetailData } from './logic';

Page<OrderDetailData, {
  ctrl?: OrderDetailController;
  onPay(): void;
  onCancel(): void;
  onRetry(): void;
}>({
  data: initialOrderDetailData(),

  onLoad(query: Record<string, string | undefined>) {
    this.ctrl = new OrderDetailController(this, getClient(), wx);
    this.setData({ orderId: query.id ?? '' });
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
});
