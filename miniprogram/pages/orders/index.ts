// My orders page glue: the logic is in ./logic.ts (tested in test/pages).
import { getClient } from '../../api/client';
import { OrdersController, OrdersData, initialOrdersData } from './logic';

Page<OrdersData, {
  ctrl?: OrdersController;
  onOpen(e: WechatMiniprogram.BaseEvent<{}, { id: string }>): void;
  onRetry(): void;
}>({
  data: initialOrdersData(),

  onLoad() {
    this.ctrl = new OrdersController(this, getClient(), wx);
  },

  // A tab page stays alive: reload each time it shows, so an order paid or
  // cancelled elsewhere appears as it is now.
  onShow() {
    void this.ctrl?.reload();
  },

  onPullDownRefresh() {
    void this.ctrl?.reload().then(() => wx.stopPullDownRefresh());
  },

  onReachBottom() {
    void this.ctrl?.loadMore();
  },

  onOpen(e) {
    this.ctrl?.open(e.currentTarget.dataset.id);
  },

  onRetry() {
    void (this.data.loaded ? this.ctrl?.loadMore() : this.ctrl?.reload());
  },
});
