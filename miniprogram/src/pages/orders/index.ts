// My orders page glue: the logic is in ./logic.ts (tested in test/pages).
import { getClient } from '../../api/index';
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

  // A tab page stays alive: the first show loads; later ones keep the loaded pages and
  // the scroll position (pull down to refresh).
  onShow() {
    void this.ctrl?.show();
  },

  onPullDownRefresh() {
    void this.ctrl?.reload('pull-down').then(() => wx.stopPullDownRefresh());
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
