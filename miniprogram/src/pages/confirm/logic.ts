// Order confirmation: the chosen lines with their quantities, an estimate
// from catalog prices (labelled as such), and "立即购买", which places the
// order (the server prices it) and hands over to the pay page.
import type { Client, OrderItemRequest, Product } from '../../api/index';
import { decodeItems } from '../../utils/cart';
import { messageForCode, showError } from '../../utils/errors';
import { putCheckout } from '../../utils/handoff';
import { newIdempotencyKey } from '../../utils/idempotency';
import { formatFen } from '../../utils/money';
import { PageWx, View, pageUrl } from '../../utils/wx';
import { showLoading, hideLoading, toast } from '../../utils/ui';

export interface ConfirmLine {
  productId: string;
  name: string;
  quantity: number;
  /** Stepper bound: the stock seen in the catalog (and the API's 99). */
  max: number;
  unitPriceText: string;
  subtotalText: string;
}

export interface ConfirmData {
  lines: ConfirmLine[];
  /** Sum of catalog prices: a preview. The server's total_fen is what is charged (shown on the pay page). */
  estimateText: string;
  loading: boolean;
  loadError: string;
  /** True while an order is being placed: the button is disabled. */
  submitting: boolean;
}

export function initialConfirmData(): ConfirmData {
  return { lines: [], estimateText: formatFen(0), loading: false, loadError: '', submitting: false };
}

export class ConfirmController {
  private requested: OrderItemRequest[] = [];
  private products = new Map<string, Product>();
  /** The Idempotency-Key of this confirmation; replaced only when the lines change. */
  key: string;
  private submitting = false;

  constructor(
    private readonly view: View<ConfirmData>,
    private readonly client: Client,
    private readonly wx: PageWx,
    private readonly newKey: () => string = () => newIdempotencyKey(),
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
    this.submitting = true;
    this.view.setData({ submitting: true });
    showLoading(this.wx, '正在下单');
    try {
      const checkout = await this.client.request('/v1/orders', 'post', { body: { items }, params: { header: { 'Idempotency-Key': this.key } } });
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
        if (code === 'out_of_stock' || code === 'product_unavailable') await this.refresh();
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
    this.view.setData({ lines, estimateText: formatFen(fen) });
  }

  private line(p: Product, quantity: number): ConfirmLine {
    return {
      productId: p.id,
      name: p.name,
      quantity,
      max: Math.min(p.stock, 99),
      unitPriceText: formatFen(p.price_fen),
      subtotalText: formatFen(p.price_fen * quantity),
    };
  }
}

/** The server answered with a 4xx: it refused the request, so no order was made under the key. */
function definitelyRefused(err: unknown): boolean {
  const status = (err as { status?: number }).status ?? 0;
  return status >= 400 && status < 500;
}
