// Order confirmation: the chosen lines with their quantities, an estimate
// from catalog prices (labelled as such), and "立即购买", which places the
// order (the server prices it) and hands over to the pay page.
//
// A cart with physical goods (Product.kind 'physical', 快递配送) needs the
// buyer's address: the page shows an address-card, whose `choose` asks
// wx.chooseAddress (utils/address.ts), and 立即购买 without one asks first.
// The address goes with the order only then; a cart of pickup and virtual
// goods sends none (the server refuses an address there, and refuses a
// physical order without one: address_required).
//
// 立即购买 is also where the buyer is asked for subscribe messages (utils/subscribe.ts): the
// paid and shipped templates, asked in the tap's own turn before anything else (WeChat shows
// the popup only then), the answer told to the server. Whatever the answer, or a failure, the
// order is placed and paid as usual.
import type { Client, OrderItemRequest, PlaceOrderRequest, Product, ShippingAddress } from '../../api/index';
import { AddressError, chooseAddress } from '../../utils/address';
import { decodeItems } from '../../utils/cart';
import { errorCode, messageForCode, showError } from '../../utils/errors';
import { AddressView, addressView, kindText } from '../../utils/format';
import { putCheckout } from '../../utils/handoff';
import { newIdempotencyKey } from '../../utils/idempotency';
import { formatFen } from '../../utils/money';
import { PageWx, View, confirmModal, pageUrl } from '../../utils/wx';
import { showLoading, hideLoading, toast } from '../../utils/ui';
import type { Subscriptions } from '../../utils/subscribe';

export interface ConfirmLine {
  productId: string;
  name: string;
  quantity: number;
  /** Stepper bound: the stock seen in the catalog (and the API's 99). */
  max: number;
  unitPriceText: string;
  subtotalText: string;
  /** 快递配送 / 到店自提 / 虚拟商品 */
  kindText: string;
}

export interface ConfirmData {
  lines: ConfirmLine[];
  /** A line is a physical product: the order needs an address. */
  needsAddress: boolean;
  /** The address chosen with wx.chooseAddress; null until then. */
  address: AddressView | null;
  /** Sum of catalog prices: a preview. The server's total_fen is what is charged (shown on the pay page). */
  estimateText: string;
  loading: boolean;
  loadError: string;
  /** True while an order is being placed: the button is disabled. */
  submitting: boolean;
}

export function initialConfirmData(): ConfirmData {
  return { lines: [], needsAddress: false, address: null, estimateText: formatFen(0), loading: false, loadError: '', submitting: false };
}

export class ConfirmController {
  private requested: OrderItemRequest[] = [];
  private products = new Map<string, Product>();
  /** The Idempotency-Key of this confirmation; replaced only when the lines change. */
  key: string;
  private submitting = false;
  private choosing = false;
  /** What goes out as PlaceOrderRequest.address when the cart needs one. */
  private address?: ShippingAddress;

  constructor(
    private readonly view: View<ConfirmData>,
    private readonly client: Client,
    private readonly wx: PageWx,
    private readonly newKey: () => string = () => newIdempotencyKey(),
    /** Subscribe messages asked from 立即购买 (none: not asked). */
    private readonly subscriptions?: Subscriptions,
  ) {
    this.key = newKey();
  }

  /** `items` is the page's query parameter (utils/cart.ts). */
  async load(items: string | undefined): Promise<void> {
    this.requested = decodeItems(items);
    await this.refresh();
  }

  /** Re-reads the catalog for names, prices and stock, keeping the chosen quantities within stock. */
  async refresh(): Promise<void> {
    this.view.setData({ loading: true, loadError: '' });
    showLoading(this.wx, '加载中');
    try {
      const { items } = await this.client.request('/v1/products', 'get');
      this.products = new Map(items.map((p) => [p.id, p]));
      const before = this.view.data.lines.length ? this.currentItems() : this.requested;
      const lines: ConfirmLine[] = [];
      for (const { product_id, quantity } of before) {
        const p = this.products.get(product_id);
        if (!p || p.stock <= 0) continue; // gone or sold out since it was chosen
        lines.push(this.line(p, Math.min(quantity, p.stock)));
      }
      if (lines.length < before.length) toast(this.wx, '部分商品已售罄或下架', 'none');
      this.setLines(lines);
    } catch (err) {
      this.view.setData({ loadError: messageForCode(showError(this.wx, err)) });
    } finally {
      hideLoading(this.wx);
      this.view.setData({ loading: false });
    }
  }

  /** A quantity-stepper's `change`: e.detail.value for the line's product. */
  changeQuantity(productId: string, quantity: number): void {
    const p = this.products.get(productId);
    const old = this.view.data.lines.find((l) => l.productId === productId);
    if (!p || !old || old.quantity === quantity) return;
    this.setLines(this.view.data.lines.map((l) => (l.productId === productId ? this.line(p, quantity) : l)));
  }

  /** Removes a line ("删除"). */
  removeLine(productId: string): void {
    this.setLines(this.view.data.lines.filter((l) => l.productId !== productId));
  }

  /**
   * The address-card's `choose` (and 立即购买 without an address): wx.chooseAddress.
   * True when an address is chosen. The user closing the picker, refusing the address
   * permission or the privacy guide each get their own message; a refused permission
   * offers the settings page, where it can be allowed.
   */
  async chooseAddress(): Promise<boolean> {
    if (this.choosing) return false;
    this.choosing = true;
    try {
      const address = await chooseAddress(this.wx);
      if (!this.address || JSON.stringify(this.address) !== JSON.stringify(address)) {
        // Another address is another order: a new key, as for other lines.
        if (this.address) this.key = this.newKey();
        this.address = address;
      }
      this.view.setData({ address: addressView(address) });
      return true;
    } catch (err) {
      const code = errorCode(err);
      if (code === 'address_denied') {
        if (await confirmModal(this.wx, '需要通讯地址', '快递配送的商品需要收货地址。请在设置中允许使用通讯地址后重试。', '去设置')) {
          this.wx.openSetting({});
        }
      } else {
        showError(this.wx, err instanceof AddressError ? err : { code: 'address_failed' });
      }
      return false;
    } finally {
      this.choosing = false;
    }
  }

  /**
   * "立即购买": POST /v1/orders with this confirmation's Idempotency-Key.
   * A second tap while the first is out is ignored; a retry after a failure
   * whose outcome is unknown (no answer) reuses the key, so at most one order
   * exists for this confirmation.
   */
  async submit(): Promise<void> {
    if (this.submitting) return;
    const items = this.currentItems();
    if (items.length === 0) {
      toast(this.wx, '请先选择商品', 'none');
      return;
    }
    // Subscribe messages: asked now, in the tap's own turn, before anything is awaited.
    const asked = this.subscriptions?.ask(['paid', 'shipped']);
    this.submitting = true;
    this.view.setData({ submitting: true });
    // The user's answer first (the popup is on screen); any answer, or none, goes on to pay.
    if (asked) await asked;
    // Physical goods and no address yet: ask for one first.
    if (this.view.data.needsAddress && !this.address && !(await this.chooseAddress())) {
      this.submitting = false;
      this.view.setData({ submitting: false });
      return;
    }
    const body: PlaceOrderRequest = { items };
    if (this.view.data.needsAddress && this.address) body.address = this.address;
    showLoading(this.wx, '正在下单');
    try {
      const checkout = await this.client.request('/v1/orders', 'post', { body, params: { header: { 'Idempotency-Key': this.key } } });
      hideLoading(this.wx);
      putCheckout(checkout);
      // redirectTo: "back" from the pay page returns to the catalog, not to a used confirmation.
      this.wx.redirectTo({ url: pageUrl('/pages/pay/index', { orderId: checkout.order.id }) });
    } catch (err) {
      hideLoading(this.wx);
      const code = showError(this.wx, err);
      const orderId = (err as { orderId?: string }).orderId;
      if (orderId) {
        // wechatpay_unavailable / wechatpay_rejected: the order exists and is
        // pending; the pay page asks for fresh payment arguments.
        this.wx.redirectTo({ url: pageUrl('/pages/pay/index', { orderId }) });
      } else {
        if (definitelyRefused(err)) this.key = this.newKey(); // nothing was created under this key
        // A product's stock, or how it is delivered, changed since the catalog was read.
        if (code === 'out_of_stock' || code === 'product_unavailable' || code === 'address_required') await this.refresh();
        else if (code === 'invalid_request' && body.address) await this.refresh();
      }
    } finally {
      this.submitting = false;
      this.view.setData({ submitting: false });
    }
  }

  currentItems(): OrderItemRequest[] {
    return this.view.data.lines.map((l) => ({ product_id: l.productId, quantity: l.quantity }));
  }

  private setLines(lines: ConfirmLine[]): void {
    const changed =
      lines.length !== this.view.data.lines.length ||
      lines.some((l, i) => l.productId !== this.view.data.lines[i].productId || l.quantity !== this.view.data.lines[i].quantity);
    // Different lines are a different order: a new key, so the server does not
    // answer idempotency_conflict for the old key with a new body.
    if (changed && this.view.data.lines.length > 0) this.key = this.newKey();
    let fen = 0;
    for (const l of lines) fen += (this.products.get(l.productId)?.price_fen ?? 0) * l.quantity;
    const needsAddress = lines.some((l) => this.products.get(l.productId)?.kind === 'physical');
    this.view.setData({ lines, needsAddress, estimateText: formatFen(fen) });
  }

  private line(p: Product, quantity: number): ConfirmLine {
    return {
      productId: p.id,
      name: p.name,
      quantity,
      max: Math.min(p.stock, 99),
      unitPriceText: formatFen(p.price_fen),
      subtotalText: formatFen(p.price_fen * quantity),
      kindText: kindText(p.kind),
    };
  }
}

/** The server answered with a 4xx: it refused the request, so no order was made under the key. */
function definitelyRefused(err: unknown): boolean {
  const status = (err as { status?: number }).status ?? 0;
  return status >= 400 && status < 500;
}
