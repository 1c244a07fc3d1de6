/**
 * @jest-environment jsdom
 */
// Pages rendered from their real WXML with the real components (see
// render.ts): the seed's part 3 end to end. A tap on a stepper's "+" travels
// up (stepper → [card →] the page's handler reading e.detail), and the page's
// new data travels back down into the components' properties.
import { encodeItems } from '../../src/utils/cart';
import { RECEIPT_APP_ID, receiptReturned } from '../../src/utils/receipt';
import { flush, tap, text } from '../components/load';
import { ADDRESS, COFFEE, MUG, TEA, TRANSACTION_ID, checkout, opsClient, order, payment, refundRequest, settle, shippedOrder } from './fakes';
import { cleanupPageGlobals, renderPage } from './render';

afterEach(cleanupPageGlobals);

describe('home page', () => {
  const client = () => ({ listProducts: jest.fn().mockResolvedValue({ items: [COFFEE, TEA] }) });

  test('the catalog renders as product-cards with the server prices', async () => {
    const { page } = renderPage('home', client());
    await settle();

    const [coffee, tea] = page.querySelectorAll('.product');
    expect(text(coffee, '.name')).toBe('挂耳咖啡');
    expect(text(coffee, '.price')).toBe('¥12.80');
    expect(text(tea, '.price')).toBe('¥9.90');
    expect(text(page, '.bar-info')).toContain('已选 0 件');
  });

  test("a card's + goes up to the page, and the page's number comes back down", async () => {
    const { page, wx } = renderPage('home', client());
    await settle();
    const [coffee] = page.querySelectorAll('.product');
    const stepper = coffee.querySelector('.stepper')!;

    tap(stepper, '.plus');
    await flush();
    tap(stepper, '.plus');
    await flush();

    // up: onQuantityChange got {productId, quantity} as e.detail
    expect(page.data.quantities).toEqual({ [COFFEE.id]: 2 });
    expect(text(page, '.bar-info')).toContain('已选 2 件');
    expect(text(page, '.estimate')).toBe('预估 ¥25.60');
    // down: the card's `quantity` and its stepper's `value` are the page's number
    expect(coffee.data.quantity).toBe(2);
    expect(text(stepper, '.value')).toBe('2');

    tap(page, '.bar-button');
    await flush();
    expect(wx.navigations).toEqual([`navigateTo /pages/confirm/index?items=${encodeURIComponent(`${COFFEE.id}:2`)}`]);
  });
});

describe('confirm page', () => {
  test("a line's stepper reports through data-id and e.detail.value; 立即购买 sends the new quantity", async () => {
    const client = {
      listProducts: jest.fn().mockResolvedValue({ items: [COFFEE, TEA] }),
      placeOrder: jest.fn().mockResolvedValue(checkout(order())),
    };
    const { page, wx } = renderPage('confirm', client, {
      items: encodeItems([
        { product_id: COFFEE.id, quantity: 1 },
        { product_id: TEA.id, quantity: 2 },
      ]),
    });
    await settle();
    expect(text(page, '.price')).toBe('¥32.60'); // the estimate: 12.80 + 2 × 9.90

    const [, teaStepper] = page.querySelectorAll('.stepper');
    tap(teaStepper, '.minus');
    await flush();
    expect(page.data.lines).toMatchObject([
      { productId: COFFEE.id, quantity: 1 },
      { productId: TEA.id, quantity: 1 },
    ]);

    tap(page, '.primary');
    await settle();
    expect(client.placeOrder).toHaveBeenCalledWith(
      [
        { product_id: COFFEE.id, quantity: 1 },
        { product_id: TEA.id, quantity: 1 },
      ],
      expect.any(String),
    );
    expect(wx.navigations).toEqual([`redirectTo /pages/pay/index?orderId=${order().id}`]);
  });
});

describe('confirm page with physical goods', () => {
  test("the address-card asks, shows the chosen address (down), and 立即购买 sends it", async () => {
    const client = {
      listProducts: jest.fn().mockResolvedValue({ items: [COFFEE, MUG] }),
      placeOrder: jest.fn().mockResolvedValue(checkout(order())),
    };
    const { page, wx } = renderPage('confirm', client, { items: encodeItems([{ product_id: MUG.id, quantity: 1 }]) });
    await settle();
    expect(text(page, '.section-title')).toBe('收货地址 · 快递配送');
    const card = page.querySelector('.address-card')!;
    expect(text(card, '.placeholder')).toBe('请选择收货地址');
    expect(text(page, '.kind')).toBe('· 快递配送');

    tap(card, '.card'); // up: choose
    await settle();
    expect(wx.chooseAddressCalls).toBe(1);
    expect(text(card, '.name')).toBe('张三'); // down: the page's address
    expect(text(card, '.where')).toBe('广东省 广州市 海珠区 新港中路397号');

    tap(page, '.primary');
    await settle();
    expect(client.placeOrder).toHaveBeenCalledWith([{ product_id: MUG.id, quantity: 1 }], expect.any(String), ADDRESS);
    expect(wx.chooseAddressCalls).toBe(1);
  });

  test('no physical goods: no address-card', async () => {
    const client = { listProducts: jest.fn().mockResolvedValue({ items: [COFFEE] }), placeOrder: jest.fn() };
    const { page } = renderPage('confirm', client, { items: encodeItems([{ product_id: COFFEE.id, quantity: 1 }]) });
    await settle();
    expect(page.querySelector('.address-card')).toBeUndefined();
  });
});

describe('pay page', () => {
  test('after a cancelled sheet: server amount and status, 重新支付 and 取消订单 shown', async () => {
    const client = {
      payOrder: jest.fn().mockResolvedValueOnce(checkout(order(), payment(1))).mockResolvedValueOnce(checkout(order(), payment(2))),
      getOrder: jest.fn(),
      cancelOrder: jest.fn(),
      refreshOrder: jest.fn(),
    };
    const { page, wx } = renderPage('pay', client, { orderId: order().id }, (w) => {
      w.paymentOutcomes = [{ errMsg: 'requestPayment:fail cancel' }, { errMsg: 'requestPayment:fail cancel' }];
    });
    await settle();

    expect(text(page, '.amount')).toBe('¥25.60');
    expect(text(page, '.status')).toBe('待支付');
    expect(text(page, '.error')).toBe('已取消支付');
    const buttons = page.querySelectorAll('.action').map((b) => (b.dom?.textContent ?? '').trim());
    expect(buttons).toEqual(['重新支付', '取消订单']);
    expect(client.getOrder).not.toHaveBeenCalled();
    // Neither the cancelled sheet nor the onShow that followed onLoad asked the server.
    expect(client.refreshOrder).not.toHaveBeenCalled();

    tap(page, '.action'); // 重新支付
    await settle();
    expect(client.payOrder).toHaveBeenCalledTimes(2);
    expect(wx.payments).toEqual([payment(1), payment(2)]);
  });

  test('shown again while pending: onShow refreshes once and renders the server status', async () => {
    const client = {
      payOrder: jest.fn().mockResolvedValue(checkout(order(), payment(1))),
      getOrder: jest.fn(),
      cancelOrder: jest.fn(),
      refreshOrder: jest.fn().mockResolvedValue(order('paid')),
    };
    const { page, wx } = renderPage('pay', client, { orderId: order().id }, (w) => {
      w.paymentOutcomes = [{ errMsg: 'requestPayment:fail cancel' }];
    });
    await settle();
    expect(text(page, '.status')).toBe('待支付');
    expect(client.refreshOrder).not.toHaveBeenCalled();

    page.instance.onShow(); // back from elsewhere (say, paid in another way)
    await settle();

    expect(client.refreshOrder).toHaveBeenCalledTimes(1);
    expect(client.refreshOrder).toHaveBeenCalledWith(order().id);
    expect(text(page, '.status')).toBe('已支付');
    const buttons = page.querySelectorAll('.action').map((b) => (b.dom?.textContent ?? '').trim());
    expect(buttons).toEqual(['查看订单', '继续购物']);
    // The second toast waits for the first's time to be up (2 s) instead of replacing it.
    expect(wx.toastTitles()).toEqual(['已取消支付']);
    await new Promise((resolve) => setTimeout(resolve, 2600));
    expect(wx.toastTitles()).toEqual(['已取消支付', '支付成功']);
  });
});

describe('order detail page', () => {
  test('a pending order offers 去支付 and 取消订单; a paid one neither', async () => {
    const client = { getOrder: jest.fn().mockResolvedValue(order('pending')), cancelOrder: jest.fn() };
    const pending = renderPage('order-detail', client, { id: order().id }).page;
    await settle();
    expect(text(pending, '.status')).toBe('待支付');
    expect(pending.querySelectorAll('.action').map((b) => (b.dom?.textContent ?? '').trim())).toEqual(['去支付', '取消订单']);

    client.getOrder.mockResolvedValue(order('paid'));
    const paid = renderPage('order-detail', client, { id: order().id }).page;
    await settle();
    expect(text(paid, '.status')).toBe('已支付');
    // Nothing to pay or cancel; 售后 instead.
    expect(paid.querySelectorAll('.action').map((b) => (b.dom?.textContent ?? '').trim())).toEqual(['申请退款']);
    expect(paid.querySelectorAll('.refund')).toEqual([]);
  });

  test('refunds are shown as the server has them: amount, status, reason, time', async () => {
    const refunded = order('refunded', {
      paid_at: '2025-11-23T12:01:00Z',
      refunded_fen: 2560,
      refunds: [
        { id: 'r1', out_refund_no: 'RF1', amount_fen: 560, reason: '少发一件', status: 'SUCCESS', created_at: '2025-11-24T08:00:00Z', succeeded_at: '2025-11-24T08:00:05Z' },
        { id: 'r2', out_refund_no: 'RF2', amount_fen: 2000, reason: '订单已关闭，您的付款已原路退回', status: 'PROCESSING', created_at: '2025-11-24T09:00:00Z' },
      ],
    });
    const client = { getOrder: jest.fn().mockResolvedValue(refunded), cancelOrder: jest.fn() };
    const page = renderPage('order-detail', client, { id: order().id }).page;
    await settle();
    expect(text(page, '.status')).toBe('已退款');
    const rows = page.querySelectorAll('.refund').map((r) => (r.dom?.textContent ?? '').replace(/\s+/g, ' ').trim());
    expect(rows).toHaveLength(2);
    expect(rows[0]).toContain('¥5.60');
    expect(rows[0]).toContain('已退款');
    expect(rows[0]).toContain('少发一件');
    expect(rows[1]).toContain('¥20.00');
    expect(rows[1]).toContain('退款中');
  });
});

describe('order detail page, shipped', () => {
  const rows = (node: { querySelectorAll(s: string): { dom?: { textContent: string | null } }[] }, selector: string) =>
    node.querySelectorAll(selector).map((n) => (n.dom?.textContent ?? '').replace(/\s+/g, ' ').trim());

  test("已发货 with the address and the shipment-card; 确认收货 (up) opens WeChat's page; back, the server's 已收货 (down)", async () => {
    const client = {
      getOrder: jest.fn().mockResolvedValue(shippedOrder()),
      cancelOrder: jest.fn(),
      confirmReceipt: jest.fn().mockResolvedValue(shippedOrder('received')),
    };
    const { page, wx, app } = renderPage('order-detail', client, { id: order().id });
    await settle();
    expect(text(page, '.status')).toBe('已发货');
    expect(rows(page, '.section-title')).toEqual(['收货地址', '发货信息']);
    const card = page.querySelector('.shipment')!;
    expect(rows(card, '.company')).toEqual(['顺丰速运', '圆通速递']);
    expect(rows(card, '.tracking')).toEqual(['SF1234567890', 'YT9876543210']);
    expect(text(card, '.upload')).toBe('已同步至微信');
    expect(page.querySelectorAll('.action').map((b) => (b.dom?.textContent ?? '').trim())).toEqual(['申请退款']); // nothing to pay or cancel

    tap(card, '.confirm');
    await settle();
    expect(wx.businessViews).toEqual([expect.objectContaining({ businessType: 'weappOrderConfirm', extraData: { transaction_id: TRANSACTION_ID } })]);
    expect(app.globalData.receiptPending).toEqual({ orderId: order().id, transactionId: TRANSACTION_ID });
    expect(client.confirmReceipt).not.toHaveBeenCalled();

    // WeChat shows the app again: App.onShow (with the referrer), then the page's onShow.
    receiptReturned({ wx, state: app.globalData, client: opsClient(client) }, { appId: RECEIPT_APP_ID, extraData: { status: 'success', errormsg: '', req_extradata: '' } });
    page.instance.onShow();
    await settle();

    expect(client.confirmReceipt).toHaveBeenCalledWith(order().id);
    expect(client.getOrder).toHaveBeenCalledTimes(1);
    expect(text(page, '.status')).toBe('已收货');
    expect(card.querySelector('.confirm')).toBeUndefined();
    expect(wx.toastTitles()).toEqual(['已确认收货']);
  });
});

describe('pages opened without their id', () => {
  test('pay and order detail show an error with a way back, not a blank page', async () => {
    for (const [name, selector, label] of [['pay', '.action', '返回'], ['order-detail', '.link', '返回']] as const) {
      const { page, wx } = renderPage(name, {}, {});
      await settle();
      expect(page.querySelector('.error')?.dom?.textContent).toMatch(/没有指定/);
      const back = page.querySelector(selector)!;
      expect((back.dom?.textContent ?? '').trim()).toBe(label);
      expect(wx.requests).toEqual([]);
    }
  });
});

describe('order detail page, 申请退款', () => {
  test('申请退款 opens the form (down: what is left); inputs and 提交申请 go up; the request shows 待审核 with 撤回', async () => {
    const client = {
      getOrder: jest.fn().mockResolvedValue(order('paid')),
      listRefundRequests: jest.fn().mockResolvedValue({ items: [] }),
      requestRefund: jest.fn().mockImplementation((_id: string, body: { amount_fen: number; reason: string }) => refundRequest('requested', body)),
      withdrawRefundRequest: jest.fn().mockResolvedValue(refundRequest('withdrawn', { amount_fen: 1000, reason: '不想要了' })),
    };
    const { page } = renderPage('order-detail', client, { id: order().id });
    await settle();
    tap(page, '.refund-open');
    await flush();
    expect(text(page, '.refund-form .section-title')).toBe('申请退款 · 最多可退 ¥25.60');
    expect(page.data.refundForm).toEqual({ open: true, amount: '25.60', reason: '' });

    page.querySelector('.refund-amount')!.dispatchEvent('input', { detail: { value: '10' } });
    page.querySelector('.refund-reason')!.dispatchEvent('input', { detail: { value: '不想要了' } });
    await flush();
    tap(page, '.refund-submit');
    await settle();
    expect(client.requestRefund).toHaveBeenCalledWith(order().id, { amount_fen: 1000, reason: '不想要了' });
    expect(text(page, '.request-status')).toBe('待审核');
    expect(page.querySelector('.refund-open')).toBeUndefined();

    tap(page, '.withdraw');
    await settle();
    expect(client.withdrawRefundRequest).toHaveBeenCalledWith(refundRequest().id);
    expect(text(page, '.request-status')).toBe('已撤回');
    expect(page.querySelector('.withdraw')).toBeUndefined();
    expect(page.querySelector('.refund-open')).toBeDefined();
  });

  test('a rejected request shows the operator\'s note', async () => {
    const client = {
      getOrder: jest.fn().mockResolvedValue(order('paid')),
      listRefundRequests: jest.fn().mockResolvedValue({ items: [refundRequest('rejected', { note: '商品已拆封' })] }),
    };
    const { page } = renderPage('order-detail', client, { id: order().id });
    await settle();
    expect(text(page, '.request-status')).toBe('已拒绝');
    expect(text(page, '.note')).toBe('商家说明：商品已拆封');
  });
});
