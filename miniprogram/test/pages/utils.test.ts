// The shared helpers the pages rely on: money display, the one error → message
// mapping, the cart hand-over format, the Idempotency-Key and quantities.
import type { PageWx } from '../../src/utils/wx';
import { decodeItems, encodeItems } from '../../src/utils/cart';
import { errorCode, errorMessage, showError } from '../../src/utils/errors';
import { courierText, kindText, orderView, statusText } from '../../src/utils/format';
import { newIdempotencyKey } from '../../src/utils/idempotency';
import { formatFen } from '../../src/utils/money';
import { clampQuantity } from '../../src/utils/quantity';
import { FakeWx, apiError, order } from './fakes';

// Compile-time: the real wx is a PageWx, so pages can hand it to their logic.
const realWx: PageWx | undefined = typeof wx === 'undefined' ? undefined : wx;

test('the real wx satisfies PageWx (checked by tsc; absent under jest)', () => {
  expect(realWx).toBeUndefined();
});

describe('formatFen', () => {
  test.each([
    [0, '¥0.00'],
    [5, '¥0.05'],
    [99, '¥0.99'],
    [100, '¥1.00'],
    [1280, '¥12.80'],
    [123456789, '¥1234567.89'],
    [-5, '-¥0.05'],
  ])('%d fen → %s', (fen, text) => {
    expect(formatFen(fen)).toBe(text);
  });
});

describe('error messages', () => {
  test.each([
    ['out_of_stock', '库存不足'],
    ['unauthorized', '请重新登录'],
    ['wechatpay_unavailable', '支付服务繁忙，请稍后再试'],
    ['network_error', '网络异常，请检查网络后重试'],
    ['order_not_payable', '订单已支付、取消或过期'],
    ['address_required', '请先选择收货地址'],
    ['a_code_added_later', '出错了，请稍后再试'],
  ])('%s → %s', (code, message) => {
    expect(errorMessage(apiError(400, code))).toBe(message);
  });

  test("WeChat's payment failures", () => {
    expect(errorCode({ errMsg: 'requestPayment:fail cancel' })).toBe('payment_cancelled');
    expect(errorMessage({ errMsg: 'requestPayment:fail cancel' })).toBe('已取消支付');
    expect(errorCode({ errMsg: 'requestPayment:fail (detail)' })).toBe('payment_failed');
    expect(errorCode(new Error('boom'))).toBe('unknown');
    expect(errorCode(undefined)).toBe('unknown');
  });

  test("wx.chooseAddress's failures, by errno where WeChat gives one", () => {
    expect(errorCode({ errMsg: 'chooseAddress:fail cancel' })).toBe('address_cancelled');
    expect(errorCode({ errMsg: 'chooseAddress:fail auth deny' })).toBe('address_denied');
    expect(errorCode({ errMsg: 'chooseAddress:fail authorize no response' })).toBe('address_denied');
    expect(errorCode({ errMsg: 'chooseAddress:fail privacy permission is not authorized', errno: 104 })).toBe('address_privacy');
    expect(errorCode({ errMsg: 'chooseAddress:fail api scope is not declared in the privacy agreement', errno: 112 })).toBe('address_undeclared');
    expect(errorCode({ errMsg: 'chooseAddress:fail something', errno: 112 })).toBe('address_undeclared');
    expect(errorCode({ errMsg: 'chooseAddress:fail system error' })).toBe('address_failed');
    expect(errorMessage({ errMsg: 'chooseAddress:fail auth deny' })).toBe('未允许使用通讯地址，请在设置中允许后重试');
    expect(errorCode({ errMsg: 'openBusinessView:fail' })).toBe('receipt_unavailable');
  });

  test('showError toasts the message without an icon (which would cut it short)', () => {
    const wx = new FakeWx();
    expect(showError(wx, apiError(409, 'out_of_stock'))).toBe('out_of_stock');
    expect(wx.toasts).toEqual([{ title: '库存不足', icon: 'none' }]);
  });
});

describe('cart hand-over', () => {
  test('round trip, also when the runtime leaves the value URL-encoded', () => {
    const items = [
      { product_id: '11111111-1111-4111-8111-111111111111', quantity: 2 },
      { product_id: '22222222-2222-4222-8222-222222222222', quantity: 1 },
    ];
    expect(decodeItems(encodeItems(items))).toEqual(items);
    expect(decodeItems(encodeURIComponent(encodeItems(items)))).toEqual(items);
  });

  test('malformed parts are dropped, repeats merged, 99 at most', () => {
    expect(decodeItems('a:1,bad,b:x,a:98,c:0,,d:5')).toEqual([
      { product_id: 'a', quantity: 99 },
      { product_id: 'd', quantity: 5 },
    ]);
    expect(decodeItems(undefined)).toEqual([]);
  });
});

test('Idempotency-Key: 1–64 printable ASCII, different each time', () => {
  const a = newIdempotencyKey();
  const b = newIdempotencyKey();
  expect(a).toMatch(/^[\x21-\x7E]{1,64}$/);
  expect(a).not.toBe(b);
});

test('clampQuantity', () => {
  expect(clampQuantity(5, 0, 3)).toBe(3);
  expect(clampQuantity(-1, 0, 3)).toBe(0);
  expect(clampQuantity(2, 1, 0)).toBe(1); // empty range: min wins
  expect(clampQuantity(Number.NaN, 1, 9)).toBe(1);
  expect(clampQuantity(2.6, 0, 9)).toBe(3);
});

test('statuses after payment, kinds and couriers in Chinese', () => {
  expect(['paid', 'shipped', 'received', 'completed'].map((s) => statusText(s as 'paid'))).toEqual(['已支付', '已发货', '已收货', '已完成']);
  expect(kindText('physical')).toBe('快递配送');
  expect(kindText('pickup')).toBe('到店自提');
  expect(kindText('virtual')).toBe('虚拟商品');
  expect(kindText(undefined)).toBe('');
  expect(courierText('SF')).toBe('顺丰速运');
  expect(courierText('ZTKY')).toBe('ZTKY'); // a code this build does not name is shown as it is
});

test('orderView summarises and formats the server order', () => {
  const two = order('pending', {
    items: [
      { product_id: 'a', name: '挂耳咖啡', unit_price_fen: 1280, quantity: 2, subtotal_fen: 2560 },
      { product_id: 'b', name: '乌龙茶', unit_price_fen: 990, quantity: 1, subtotal_fen: 990 },
    ],
    total_fen: 3550,
  });
  expect(orderView(two)).toMatchObject({ summary: '挂耳咖啡 等 3 件', totalText: '¥35.50', statusText: '待支付', payable: true });
  expect(orderView(two, Date.parse('3000-01-01T00:00:00Z')).payable).toBe(false); // past expires_at
});
