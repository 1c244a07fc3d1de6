// Home: the catalog (GET /v1/products) as product-cards, the quantities the
// user picks, and the way to the confirmation page.
import type { Client, OrderItemRequest, Product } from '../../api/index';
import { encodeItems } from '../../utils/cart';
import { messageForCode, showError } from '../../utils/errors';
import { formatFen } from '../../utils/money';
import { PageWx, View, pageUrl } from '../../utils/wx';
import { showLoading, hideLoading, toast, navigate } from '../../utils/ui';

export interface HomeData {
  products: Product[];
  /** productId → chosen quantity; the page passes each down to its product-card. */
  quantities: Record<string, number>;
  /** Pieces chosen, for the checkout bar. */
  selectedCount: number;
  /** Price preview from the catalog, labelled 预估: the server prices the order. */
  estimateText: string;
  loading: boolean;
  /** Non-empty when the catalog could not be loaded; the page offers a retry. */
  loadError: string;
}

export function initialHomeData(): HomeData {
  return { products: [], quantities: {}, selectedCount: 0, estimateText: formatFen(0), loading: false, loadError: '' };
}

export class HomeController {
  constructor(
    private readonly view: View<HomeData>,
    private readonly client: Client,
    private readonly wx: PageWx,
  ) {}

  async load(): Promise<void> {
    this.view.setData({ loading: true, loadError: '' });
    showLoading(this.wx, '加载中');
    try {
      const { items } = await this.client.request('/v1/products', 'get');
      // Keep choices for products still on sale, within their current stock.
      const quantities: Record<string, number> = {};
      for (const p of items) {
        const q = Math.min(this.view.data.quantities[p.id] ?? 0, p.stock);
        if (q > 0) quantities[p.id] = q;
      }
      this.view.setData({ products: items, quantities, ...this.totals(items, quantities) });
    } catch (err) {
      this.view.setData({ loadError: messageForCode(showError(this.wx, err)) });
    } finally {
      hideLoading(this.wx);
      this.view.setData({ loading: false });
    }
  }

  /** A product-card's `change` event: e.detail = {productId, quantity}. */
  changeQuantity(productId: string, quantity: number): void {
    const quantities = { ...this.view.data.quantities };
    if (quantity > 0) quantities[productId] = quantity;
    else delete quantities[productId];
    this.view.setData({ quantities, ...this.totals(this.view.data.products, quantities) });
  }

  /** "去结算": every chosen line goes to the confirmation page. */
  checkout(): void {
    const items = this.selectedItems();
    if (items.length === 0) {
      toast(this.wx, '请先选择商品', 'none');
      return;
    }
    this.goConfirm(items);
  }

  /** A product-card's `buy` event ("立即购买"): just that product. */
  buyNow(productId: string, quantity: number): void {
    this.goConfirm([{ product_id: productId, quantity: Math.max(1, quantity) }]);
  }

  selectedItems(): OrderItemRequest[] {
    // In catalog order, so the confirmation page lists lines as the home page does.
    return this.view.data.products
      .filter((p) => (this.view.data.quantities[p.id] ?? 0) > 0)
      .map((p) => ({ product_id: p.id, quantity: this.view.data.quantities[p.id] }));
  }

  private goConfirm(items: OrderItemRequest[]): void {
    navigate(this.wx, pageUrl('/pages/confirm/index', { items: encodeItems(items) }));
  }

  private totals(products: Product[], quantities: Record<string, number>): Pick<HomeData, 'selectedCount' | 'estimateText'> {
    let count = 0;
    let fen = 0;
    for (const p of products) {
      const q = quantities[p.id] ?? 0;
      count += q;
      fen += q * p.price_fen;
    }
    return { selectedCount: count, estimateText: formatFen(fen) };
  }
}
