// The UI rules of src/utils/ui.ts: one loading indicator, toasts that wait their turn,
// one navigation per tap, and the way back from pay to an order's detail.
import { backOrRedirect, hideLoading, leave, navigate, showLoading, toast } from '../../src/utils/ui';
import { FakeWx } from './fakes';

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

test('overlapping work shares one loading indicator, never a mask', () => {
  const wx = new FakeWx();
  const shown = jest.spyOn(wx, 'showLoading');
  showLoading(wx, '加载中');
  showLoading(wx, '正在取消');
  expect(shown).toHaveBeenCalledTimes(1);
  expect(shown).toHaveBeenCalledWith({ title: '加载中', mask: false });
  hideLoading(wx);
  expect(wx.loadingDepth).toBe(1);
  hideLoading(wx);
  hideLoading(wx); // one too many changes nothing
  expect(wx.loadingDepth).toBe(0);
});

test('a toast does not overwrite the one on screen: it waits, and a repeat is dropped', async () => {
  const wx = new FakeWx();
  toast(wx, '已取消支付');
  toast(wx, '支付成功', 'success');
  toast(wx, '支付成功', 'success');
  toast(wx, '已取消支付');
  expect(wx.toastTitles()).toEqual(['已取消支付']);
  await jest.advanceTimersByTimeAsync(1999);
  expect(wx.toastTitles()).toEqual(['已取消支付']);
  await jest.advanceTimersByTimeAsync(1);
  expect(wx.toasts).toEqual([{ title: '已取消支付', icon: 'none' }, { title: '支付成功', icon: 'success' }]);
  await jest.advanceTimersByTimeAsync(2000);
  toast(wx, '已取消支付'); // its time is long up: shown again
  expect(wx.toastTitles()).toEqual(['已取消支付', '支付成功', '已取消支付']);
});

test('a double tap navigates once; the next tap after the page opened navigates again', async () => {
  const wx = new FakeWx();
  navigate(wx, '/pages/confirm/index?items=a');
  navigate(wx, '/pages/confirm/index?items=a');
  expect(wx.navigations).toEqual(['navigateTo /pages/confirm/index?items=a']);
  await Promise.resolve(); // navigateTo's complete
  await Promise.resolve();
  navigate(wx, '/pages/confirm/index?items=b');
  expect(wx.navigations).toHaveLength(2);
});

test('a navigateTo that never completes blocks others for at most 1.5 s', async () => {
  const wx = new FakeWx();
  wx.navigateTo = (o: { url: string }) => void wx.navigations.push(`navigateTo ${o.url}`); // no complete
  navigate(wx, '/a');
  navigate(wx, '/b');
  await jest.advanceTimersByTimeAsync(1500);
  navigate(wx, '/c');
  expect(wx.navigations).toEqual(['navigateTo /a', 'navigateTo /c']);
});

test('查看订单 goes back to the detail it came from, else replaces the pay page', () => {
  const wx = new FakeWx();
  const detail = { route: 'pages/order-detail/index', options: { id: 'o1' } };
  const pay = { route: 'pages/pay/index', options: { orderId: 'o1' } };
  backOrRedirect(wx, [detail, pay], 'pages/order-detail/index', { id: 'o1' });
  backOrRedirect(wx, [{ route: 'pages/confirm/index' }, pay], 'pages/order-detail/index', { id: 'o1' });
  backOrRedirect(wx, [{ ...detail, options: { id: 'other' } }, pay], 'pages/order-detail/index', { id: 'o1' });
  expect(wx.navigations).toEqual([
    'navigateBack 1',
    'redirectTo /pages/order-detail/index?id=o1',
    'redirectTo /pages/order-detail/index?id=o1',
  ]);
});

test('a page opened without its id leaves back, or to the catalog when it is alone', () => {
  const wx = new FakeWx();
  leave(wx, [{ route: 'pages/orders/index' }, { route: 'pages/pay/index' }]);
  leave(wx, [{ route: 'pages/pay/index' }]);
  expect(wx.navigations).toEqual(['navigateBack 1', 'switchTab /pages/home/index']);
});
