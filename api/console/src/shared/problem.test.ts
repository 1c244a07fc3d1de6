import { afterEach, describe as group, expect, it } from 'vitest';
import { setLang } from './i18n';
import { describe } from './problem';

group('describe', () => {
  afterEach(() => setLang('zh-CN'));

  it('shows a known problem code with its label, in the current language', () => {
    const p = { type: 'urn:wxmp:problem:refund_too_large', title: 'Conflict', status: 409, code: 'refund_too_large' };
    expect(describe(p)).toBe('退款金额超过可退金额（处理中的退款也计算在内） (refund_too_large)');
    setLang('en');
    expect(describe(p)).toBe('More than what is left to refund (refunds in progress count) (refund_too_large)');
  });

  it("adds the problem's detail when asked, and nothing when there is none", () => {
    const p = { code: 'invalid_request', title: 'Bad Request', status: 400, detail: 'an express shipment has 1 to 15 parcels.' };
    expect(describe(p)).toBe('请求不符合接口约定 (invalid_request)');
    expect(describe(p, true)).toBe('请求不符合接口约定 (invalid_request): an express shipment has 1 to 15 parcels.');
    expect(describe({ code: 'not_shippable', status: 409 }, true)).toBe('该订单现在不能发货（未支付、已重新发过一次货，或买家已确认收货） (not_shippable)');
  });

  it('says a refund request is no longer open, for the operator who approves or rejects it', () => {
    const p = { code: 'request_not_open', title: 'Conflict', status: 409, detail: 'refund request is not open: it is withdrawn' };
    expect(describe(p)).toBe('这份退款申请已不在待处理状态（已处理，或买家已撤回） (request_not_open)');
    setLang('en');
    expect(describe(p)).toBe('This refund request is no longer open (decided, or withdrawn by the buyer) (request_not_open)');
  });

  it("falls back to the server's title for a code it does not know", () => {
    expect(describe({ code: 'brand_new', title: 'Teapot', status: 418 })).toBe('Teapot (brand_new)');
  });

  it("shows the emulator's error message, and network failures", () => {
    expect(describe({ error: 'emulator: no such transaction' })).toBe('emulator: no such transaction');
    expect(describe(new TypeError('Failed to fetch'))).toBe('网络错误：无法连接服务');
    expect(describe(undefined)).toBe('出错了');
  });
});
