// shipment-card: how an order was shipped, and the buyer's 确认收货.
//
// Parent → child: the order detail page passes `shipment` (utils/format.ts ShipmentView: the
// method, couriers with tracking numbers, when, whether WeChat has the shipment), `shipped`
// (the order is shipped: the 确认收货 button shows), `confirmable` (WeChat has the shipment and
// the payment's transaction id is known: the button works) and `busy`:
//   <shipment-card shipment="{{order.shipment}}" shipped="{{order.shipped}}"
//                  confirmable="{{order.confirmable}}" busy="{{busy}}" bind:confirm="onConfirmReceipt" />
// Child → parent: 确认收货 calls triggerEvent('confirm', {}); the page opens WeChat's
// confirm-receipt page (utils/receipt.ts). What the order becomes is the server's to say,
// and comes down again as new properties.
import type { ShipmentView } from '../../utils/format';

Component({
  properties: {
    shipment: { type: Object, value: null as ShipmentView | null },
    shipped: { type: Boolean, value: false },
    confirmable: { type: Boolean, value: false },
    busy: { type: Boolean, value: false },
  },

  methods: {
    onConfirm() {
      if (!this.data.shipped || !this.data.confirmable || this.data.busy) return;
      this.triggerEvent('confirm', {});
    },
  },
});
