// My orders: GET /v1/orders, newest first, one page at a time. The server
// pages by keyset: each page carries next_cursor until the last one, and the
// page passes it back as `cursor` when the user reaches the bottom.
import type { Client } from '../../api/client';
import { messageForCode, showError } from '../../utils/errors';
import { OrderView, orderView } from '../../utils/format';
import { PageWx, View, pageUrl } from '../../utils/wx';

export const PAGE_SIZE = 10;

export interface OrdersData {
  orders: OrderView[];
  /** The next page's cursor; '' when there is none (or nothing loaded yet). */
  nextCursor: string;
  /** At least one page has been loaded. */
  loaded: boolean;
  loading: boolean;
  /** No more pages. */
  finished: boolean;
  loadError: string;
}

export function initialOrdersData(): OrdersData {
  return { orders: [], nextCursor: '', loaded: false, loading: false, finished: false, loadError: '' };
}

export class OrdersController {
  // A reload started while a page was loading wins; the stale answer is dropped.
  private generation = 0;

  constructor(
    private readonly view: View<OrdersData>,
    private readonly client: Pick<Client, 'listOrders'>,
    private readonly wx: PageWx,
  ) {}

  /** The first page, replacing what is shown (first show, pull-down, coming back). */
  async reload(): Promise<void> {
    await this.fetch(undefined);
  }

  /** The next page, appended (onReachBottom); nothing when on the last page or already loading. */
  async loadMore(): Promise<void> {
    const { loading, nextCursor, loaded } = this.view.data;
    if (!loaded || loading || !nextCursor) return;
    await this.fetch(nextCursor);
  }

  open(orderId: string): void {
    this.wx.navigateTo({ url: pageUrl('/pages/order-detail/index', { id: orderId }) });
  }

  private async fetch(cursor: string | undefined): Promise<void> {
    const generation = ++this.generation;
    const first = cursor === undefined;
    this.view.setData({ loading: true, loadError: '' });
    if (first) this.wx.showLoading({ title: '加载中' });
    try {
      const page = await this.client.listOrders(cursor, PAGE_SIZE);
      if (generation !== this.generation) return;
      const rows = page.items.map((o) => orderView(o));
      this.view.setData({
        orders: first ? rows : this.view.data.orders.concat(rows),
        nextCursor: page.next_cursor ?? '',
        finished: !page.next_cursor,
        loaded: true,
      });
    } catch (err) {
      if (generation !== this.generation) return;
      this.view.setData({ loadError: messageForCode(showError(this.wx, err)) });
    } finally {
      if (first) this.wx.hideLoading();
      if (generation === this.generation) this.view.setData({ loading: false });
    }
  }
}
