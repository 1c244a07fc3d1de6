// My orders: keyset pagination (next_cursor → cursor) and, with the real
// client over a scripted server, what the user sees when the stored token
// has expired: the client logs in again once and the orders appear.
import { createApi } from '../../src/api/index';
import { OrdersController, OrdersData, PAGE_SIZE, initialOrdersData } from '../../src/pages/orders/logic';
import { FakeView, FakeWx, apiError, order, problem, opsClient } from './fakes';

function orderN(n: number) {
  const id = `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
  return order('pending', { id, out_trade_no: `NO${n}` });
}

function setup() {
  const wx = new FakeWx();
  const view = new FakeView<OrdersData>(initialOrdersData());
  const client = { listOrders: jest.fn() };
  return { wx, view, client, ctrl: new OrdersController(view, opsClient(client), wx) };
}

describe('orders page', () => {
  test('showing the tab again keeps the loaded pages; only a pull-down reloads', async () => {
    const { wx, view, client, ctrl } = setup();
    client.listOrders.mockResolvedValueOnce({ items: [orderN(1)], next_cursor: 'c1' }).mockResolvedValueOnce({ items: [orderN(2)] });
    await ctrl.show();
    await ctrl.loadMore();
    await ctrl.show(); // back from an order's detail
    expect(client.listOrders).toHaveBeenCalledTimes(2);
    expect(view.data.orders.map((o) => o.outTradeNo)).toEqual(['NO1', 'NO2']);

    const shown = jest.spyOn(wx, 'showLoading');
    client.listOrders.mockResolvedValueOnce({ items: [orderN(3)] });
    await ctrl.reload('pull-down');
    expect(view.data.orders.map((o) => o.outTradeNo)).toEqual(['NO3']);
    expect(shown).not.toHaveBeenCalled(); // the pull-down's own spinner is the one indicator
  });

  test('one indicator at a time: the footer only while the next page loads', async () => {
    const { wx, view, client, ctrl } = setup();
    let release!: (v: unknown) => void;
    client.listOrders.mockResolvedValueOnce({ items: [orderN(1)], next_cursor: 'c1' }).mockReturnValueOnce(new Promise((r) => (release = r)));
    const first = ctrl.show();
    expect(view.data).toMatchObject({ loading: true, loadingMore: false });
    expect(wx.loadingDepth).toBe(1);
    await first;
    const more = ctrl.loadMore();
    expect(view.data).toMatchObject({ loading: true, loadingMore: true });
    expect(wx.loadingDepth).toBe(0);
    release({ items: [] });
    await more;
    expect(view.data).toMatchObject({ loading: false, loadingMore: false });
  });

  test('loads the first page, then the next with its cursor, until the last', async () => {
    const { view, client, ctrl } = setup();
    client.listOrders
      .mockResolvedValueOnce({ items: [orderN(1), orderN(2)], next_cursor: 'c1' })
      .mockResolvedValueOnce({ items: [orderN(3)] });

    await ctrl.reload();
    expect(client.listOrders).toHaveBeenLastCalledWith(undefined, PAGE_SIZE);
    expect(view.data.orders.map((o) => o.outTradeNo)).toEqual(['NO1', 'NO2']);
    expect(view.data).toMatchObject({ nextCursor: 'c1', finished: false });

    await ctrl.loadMore();
    expect(client.listOrders).toHaveBeenLastCalledWith('c1', PAGE_SIZE);
    expect(view.data.orders.map((o) => o.outTradeNo)).toEqual(['NO1', 'NO2', 'NO3']);
    expect(view.data).toMatchObject({ nextCursor: '', finished: true });

    await ctrl.loadMore(); // the last page was reached: nothing more to ask
    expect(client.listOrders).toHaveBeenCalledTimes(2);
  });

  test('reaching the bottom twice while loading asks once', async () => {
    const { client, ctrl } = setup();
    client.listOrders.mockResolvedValueOnce({ items: [orderN(1)], next_cursor: 'c1' });
    await ctrl.reload();

    client.listOrders.mockResolvedValueOnce({ items: [orderN(2)] });
    await Promise.all([ctrl.loadMore(), ctrl.loadMore()]);
    expect(client.listOrders).toHaveBeenCalledTimes(2);
  });

  test('rows show the server status and total', async () => {
    const { view, client, ctrl } = setup();
    client.listOrders.mockResolvedValue({ items: [order('paid', { total_fen: 990 })] });
    await ctrl.reload();
    expect(view.data.orders[0]).toMatchObject({ statusText: '已支付', totalText: '¥9.90', summary: '挂耳咖啡 ×2' });
  });

  test('tapping an order opens its detail', () => {
    const { wx, ctrl } = setup();
    ctrl.open('abc');
    expect(wx.navigations).toEqual(['navigateTo /pages/order-detail/index?id=abc']);
  });

  test('a failure is shown and can be retried', async () => {
    const { wx, view, client, ctrl } = setup();
    client.listOrders.mockRejectedValueOnce(apiError(0, 'network_error'));
    await ctrl.reload();
    expect(wx.toastTitles()).toEqual(['网络异常，请检查网络后重试']);
    expect(view.data.loadError).toBe('网络异常，请检查网络后重试');
  });

  test('an expired token: one re-login, and the user sees the orders', async () => {
    const wx = new FakeWx();
    wx.storage.set('token', 'wxmp_expired');
    wx.server = (req) => {
      if (req.method === 'POST' && req.path === '/v1/auth/login') {
        return {
          status: 200,
          body: {
            token: 'wxmp_fresh',
            token_type: 'Bearer',
            expires_at: '2999-01-01T00:00:00Z',
            user: { id: '44444444-4444-4444-8444-444444444444', openid: 'o-alice', created_at: '2025-11-23T00:00:00Z' },
          },
        };
      }
      if (req.method === 'GET' && req.path === '/v1/orders') {
        if (req.headers.Authorization !== 'Bearer wxmp_fresh') {
          return { status: 401, body: problem(401, 'unauthorized'), headers: { 'WWW-Authenticate': 'Bearer' } };
        }
        return { status: 200, body: { items: [orderN(7)] } };
      }
      return { status: 404, body: problem(404, 'not_found') };
    };
    const client = createApi({ wx, baseUrl: 'http://localhost:8080' }).client;
    const view = new FakeView<OrdersData>(initialOrdersData());
    const ctrl = new OrdersController(view, client, wx);

    await ctrl.reload();

    expect(view.data.orders.map((o) => o.outTradeNo)).toEqual(['NO7']);
    expect(view.data.loadError).toBe('');
    expect(wx.toasts).toEqual([]); // the user saw no error
    expect(wx.loginCalls).toBe(1);
    expect(wx.storage.get('token')).toBe('wxmp_fresh');
    expect(wx.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /v1/orders',
      'POST /v1/auth/login',
      'GET /v1/orders',
    ]);
  });
});
