// Home page glue: the logic is in ./logic.ts (tested in test/pages).
//
// Parent ↔ child (the seed's part 3): each product-card gets `product` and
// `quantity` from this page's data (properties down); when the user taps the
// card's stepper the card calls triggerEvent('change', {productId, quantity})
// and onQuantityChange below receives it as e.detail (event up). The page
// writes the new quantity into `quantities`, which flows down again.
import { getClient } from '../../api/index';
import type { ProductQuantityDetail } from '../../components/product-card/index';
import type { IAppOption } from '../../utils/session';
import { showError } from '../../utils/errors';
import { HomeController, HomeData, initialHomeData } from './logic';

Page<HomeData, {
  ctrl?: HomeController;
  onQuantityChange(e: WechatMiniprogram.CustomEvent<ProductQuantityDetail>): void;
  onBuyNow(e: WechatMiniprogram.CustomEvent<ProductQuantityDetail>): void;
  onCheckout(): void;
  onRetry(): void;
}>({
  data: initialHomeData(),

  onLoad() {
    this.ctrl = new HomeController(this, getClient(), wx);
    // Login runs from app.ts; surface its failure here, where the user is.
    getApp<IAppOption>().whenLoggedIn().catch((err) => showError(wx, err));
    void this.ctrl.load();
  },

  onPullDownRefresh() {
    void this.ctrl?.load().then(() => wx.stopPullDownRefresh());
  },

  onQuantityChange(e) {
    this.ctrl?.changeQuantity(e.detail.productId, e.detail.quantity);
  },

  onBuyNow(e) {
    this.ctrl?.buyNow(e.detail.productId, e.detail.quantity);
  },

  onCheckout() {
    this.ctrl?.checkout();
  },

  onRetry() {
    void this.ctrl?.load();
  },
});
