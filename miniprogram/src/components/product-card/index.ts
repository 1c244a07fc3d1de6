// product-card: one product with its price, stock and a quantity-stepper.
//
// Parent → child: the page passes `product` (the server's Product, price in
// fen) and the chosen `quantity`:
//   <product-card product="{{item}}" quantity="{{quantities[item.id]}}"
//                 bind:change="onQuantityChange" bind:buy="onBuyNow" />
// The `observers` below recompute what derives from them (the ¥ text, how it
// reaches the buyer, the stepper's max, whether the card looks selected) whenever the page
// setData()s either property; `quantity` also flows on down to the stepper.
// Child → parent: the card listens to its own child's `change`
// (e.detail.value) and re-emits it as `change` with `{productId, quantity}`,
// so the page never needs to know a stepper exists. The card never writes
// its own `quantity`: the page owns it. "立即购买" emits `buy` with the same
// shape.
import type { Product } from '../../api/index';
import { kindText } from '../../utils/format';
import { formatFen } from '../../utils/money';
import type { StepperChangeDetail } from '../quantity-stepper/index';

/** Detail of the `change` and `buy` events. */
export interface ProductQuantityDetail {
  productId: string;
  quantity: number;
}

/** The API caps a line at 99 (OrderItemRequest.quantity.maximum). */
const MAX_PER_LINE = 99;

Component({
  properties: {
    product: { type: Object, value: null as Product | null },
    quantity: { type: Number, value: 0 },
  },

  data: {
    priceText: '',
    /** 快递配送 / 到店自提 / 虚拟商品 */
    kindText: '',
    maxQuantity: 0,
    soldOut: false,
    selected: false,
  },

  observers: {
    product: function (product: Product | null) {
      if (!product) return;
      this.setData({
        priceText: formatFen(product.price_fen),
        kindText: kindText(product.kind),
        maxQuantity: Math.min(product.stock, MAX_PER_LINE),
        soldOut: product.stock <= 0,
      });
    },
    quantity: function (quantity: number) {
      this.setData({ selected: quantity > 0 });
    },
  },

  methods: {
    onStepperChange(e: WechatMiniprogram.CustomEvent<StepperChangeDetail>) {
      const product = this.data.product as Product | null;
      if (!product) return;
      // Not written into `quantity`: that property is the page's; the page writes
      // the new value and it flows down again.
      const detail: ProductQuantityDetail = { productId: product.id, quantity: e.detail.value };
      this.triggerEvent('change', detail);
    },
    onBuy() {
      const product = this.data.product as Product | null;
      if (!product || product.stock <= 0) return;
      const detail: ProductQuantityDetail = { productId: product.id, quantity: Math.max(1, this.data.quantity) };
      this.triggerEvent('buy', detail);
    },
  },
});
