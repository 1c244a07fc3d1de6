// My orders: GET /v1/orders, newest first, one page at a time. The server
// pages by keyset: each page carries next_cursor until the last one, and the
// page passes it back as `cursor` when the user reaches the bottom.
//
// A tab page stays alive, so what it loaded stays (and so does the scroll position):
// showing the tab again loads nothing once a page is there; the user pulls down to
// refresh. One indicator at a time: the wx loading toast for the first load, the
// pull-down's own spinner for a refresh, the footer for the next page.
import type { Client } from '../../api/index';
import { messageForCode, showError } from '../../utils/errors';
import { OrderView, orderView } from '../../utils/format';
import { PageWx, View, pageUrl } from '../../utils/wx';
import { showLoading, hideLoading, navigate } from '../../utils/ui';

export const PAGE_SIZE = 10;

export interface OrdersData {
  orders: OrderView[];
  /** The next page's cursor; '' when there is none (or nothing loaded yet). */
  nextCursor: string;
  /** At least one page has been loaded. */
  loaded: boolean;
  loading: boolean;
  /** Loading the next page (the footer says so). */
  loadingMore: boolean;
  /** No more pages. */
  finished: boolean;
  loadError: string;
}

export function initialOrdersData(): OrdersData {
  return { orders: [], nextCursor: '', loaded: false, loading: false, loadingMore: false, finished: false, loadError: '' };
}

export class OrdersController {
  // A reload started while a page was loading wins; the stale answer is dropped.
  private generation = 0;

  constructor(
    private readonly view: View<OrdersData>,
    private readonly client: Client,
    private readonly wx: PageWx,
  ) {}

  /** onShow: the first page the first time; afterwards what is loaded stays as it is. */
  async show(): Promise<void> {
    if (this.view.data.loaded || this.view.data.loading) return;
    await this.fetch(undefined, 'toast');
  }

  /** The first page again, replacing what is shown: pull-down (its spinner is the indicator) or 重试. */
  async reload(indicator: 'toast' | 'pull-down' = 'toast'): Promise<void> {
    await this.fetch(undefined, indicator);
  }

  /** The next page, appended (onReachBottom); nothing when on the last page or already loading. */
  async loadMore(): Promise<void> {
    const { loading, nextCursor, loaded } = this.view.data;
    if (!loaded || loading || !nextCursor) return;
    await this.fetch(nextCursor, 'footer');
  }

  open(orderId: string): void {
    navigate(this.wx, pageUrl('/pages/order-detail/index', { id: orderId }));
  }

  private async fetch(cursor: string | undefined, indicator: 'toast' | 'pull-down' | 'footer'): Promise<void> {
    const generation = ++this.generation;
    const first = cursor === undefined;
    const toast = indicator === 'toast';
    this.view.setData({ loading: true, loadingMore: indicator === 'footer', loadError: '' });
    if (toast) showLoading(this.wx, '加载中');
    try {
      const page = await this.client.request('/v1/orders', 'get', { params: { query: { cursor, limit: PAGE_SIZE } } });
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
      if (toast) hideLoading(this.wx);
      if (generation === this.generation) this.view.setData({ loading: false, loadingMore: false });
    }
  }
}
