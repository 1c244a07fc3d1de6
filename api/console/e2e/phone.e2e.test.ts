// Both consoles on a phone (390×844, touch, the mobile viewport rules), in Chinese and in
// English: every page, with something in every table, must fit the screen's width. Nothing may
// make the page scroll sideways, and every cell and every button of a row (支付 / Pay, 保存 /
// Save, 标记已处理 / Mark resolved, 重新查询 / Re-check now, 重新对账 / Re-run, 退款（商户平台）/
// Refund on the platform, 买家确认收货 / Buyer confirms receipt, 结算 / Settle now, 同意退款 /
// Approve, 拒绝 / Reject, …), of the ship dialog (its parcels) and of the approve dialog must be on
// the screen, not in a table that scrolls sideways out of sight. Below 600 px a table's rows are cards, and each cell
// says what it is.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { beijingDay } from '../src/shared/time';
import { launch, PHONE, shot, type Chromium } from './browser';
import { Operator } from './operator';
import { startServer, type Server } from './server';
import { ADDRESS, buy, login, placeOrder, requestRefund, tellSubscriptions, type Placed } from './shop';
import { WeChat } from './wechat';

let server: Server;
let chromium: Chromium;
let operator: Page;
let emulator: Page;
let wechat: WeChat;
let ops: Operator;
let paid: Placed; // paid, half refunded, and WeChat Pay ended the refund ABNORMAL
let pending: Placed; // not paid yet: 支付 / Pay in the emulator console
let shipped: Placed; // sent goods, shipped by express: its parcels, 重新发货 / Ship again, 买家确认收货 / Buyer confirms receipt; the buyer asks for a refund (售后)
let day = ''; // the Beijing day the paid order was paid: reconciled with a bill that says 1 fen more for it

beforeAll(async () => {
  server = await startServer();
  wechat = new WeChat(server);
  ops = new Operator(server);
  chromium = await launch();
  operator = await chromium.phonePage();
  emulator = await chromium.phonePage();
});

afterAll(async () => {
  await chromium?.browser.close();
  await server?.stop();
});

/** What is off a phone's screen, horizontally: an element of main (a cell, a button, a field, a
 * link, a badge) left of 0 or right of the screen's edge, said as tag, test id and text. */
function offScreen(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const edge = window.innerWidth;
    const out: string[] = [];
    for (const el of document.querySelectorAll<HTMLElement>('main td, main button, main input, main select, main a, main .badge, .dialog *')) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue; // not shown
      if (r.left < -0.5 || r.right > edge + 0.5) {
        const what = `${el.tagName.toLowerCase()}${el.dataset.testid ? `[${el.dataset.testid}]` : ''} "${(el.textContent ?? '').trim().slice(0, 30)}"`;
        out.push(`${what} at ${Math.round(r.left)}..${Math.round(r.right)}`);
      }
    }
    return out;
  });
}

/** A row's cells that do not say what they are: each shown cell carries data-label, printed
 * before its content, but for a cell of buttons only (class act), which say it themselves. */
function unlabelled(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    for (const td of document.querySelectorAll<HTMLElement>('main tbody td')) {
      if (td.getBoundingClientRect().height === 0 || td.classList.contains('act')) continue;
      const label = td.dataset.label ?? '';
      const before = getComputedStyle(td, '::before').content;
      if (label === '' || before === 'none' || before === 'normal') out.push(`"${(td.textContent ?? '').trim().slice(0, 30)}" (data-label "${label}")`);
    }
    return out;
  });
}

/** The page as a phone shows it: no sideways scrolling, everything on the screen, each row's
 * buttons within 0..390, each cell labelled. */
async function fits(page: Page, where: string): Promise<void> {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
  expect(innerWidth).toBe(PHONE.width);
  expect(scrollWidth, `${where}: the page scrolls sideways`).toBeLessThanOrEqual(innerWidth);
  expect(await offScreen(page), `${where}: off the screen`).toEqual([]);
  for (const button of await page.locator('main tbody tr button').all()) {
    const box = await button.boundingBox();
    const name = (await button.textContent())?.trim();
    expect(box, `${where}: ${name} is not shown`).not.toBeNull();
    expect(box?.x ?? -1, `${where}: ${name} starts left of the screen`).toBeGreaterThanOrEqual(0);
    expect((box?.x ?? 0) + (box?.width ?? Infinity), `${where}: ${name} ends right of the screen`).toBeLessThanOrEqual(PHONE.width);
  }
  expect(await unlabelled(page), `${where}: cells that do not say what they are`).toEqual([]);
}

/** The row buttons a page must show, so that fits() has something to hold on the screen. */
async function hasButton(page: Page, name: string): Promise<void> {
  await page.locator('main tbody tr').getByRole('button', { name, exact: true }).first().waitFor();
}

const languages = [
  {
    lang: 'zh-CN',
    switch: 'English',
    signIn: '登录',
    refund: '退款…',
    cancel: '取消',
    recheck: '重新查询',
    rerun: '重新对账',
    platformRefund: '退款（商户平台）',
    ship: '发货',
    reship: '重新发货',
    confirmReceipt: '买家确认收货',
    settle: '结算',
    approve: '同意退款',
    reject: '拒绝',
    invalidate: '作废 access_token',
    resolve: '标记已处理',
    save: '保存',
    pay: '支付',
    finish: '人工处理完成',
    expires: '有效期至',
  },
  {
    lang: 'en',
    switch: '中文',
    signIn: 'Sign in',
    refund: 'Refund…',
    cancel: 'Cancel',
    recheck: 'Re-check now',
    rerun: 'Re-run',
    platformRefund: 'Refund on the platform',
    ship: 'Ship',
    reship: 'Ship again',
    confirmReceipt: 'Buyer confirms receipt',
    settle: 'Settle now',
    approve: 'Approve',
    reject: 'Reject',
    invalidate: 'Invalidate token',
    resolve: 'Mark resolved',
    save: 'Save',
    pay: 'Pay',
    finish: 'Finish by hand',
    expires: 'Expires',
  },
] as const;

async function speak(page: Page, l: (typeof languages)[number]): Promise<void> {
  const button = page.getByTestId('lang');
  if ((await button.textContent())?.trim() !== l.switch) await button.click();
  await button.getByText(l.switch, { exact: true }).waitFor();
}

describe('on a phone', () => {
  it('a shop with something on every page: a paid order whose refund ended ABNORMAL, an unpaid one, a shipped one with a refund request, a phone code, a subscribe message', async () => {
    // Sent goods, bought with an address and paid first: WeChat's shipping management learns of
    // the payment some 10 s later, while the rest is made.
    const tea = await ops.createProduct({ sku: 'phone-tea-sent', name: '寄送乌龙茶（礼盒装，附手写贺卡）', description: '', price_fen: 1280, stock: 10, active: true, kind: 'physical' });
    const dave = await login(server, await wechat.loginCode('phone-dave'));
    shipped = await buy(server, dave, tea.id, 1, ADDRESS);
    await wechat.pay(shipped.outTradeNo);

    // alice accepts the payment's subscribe message on her phone, and the service is told: paying
    // puts a message on her phone.
    const alice = await login(server, await wechat.loginCode('phone-alice'));
    await wechat.answerPopup('phone-alice', { wxmpPaidTmpl: 'accept', wxmpShippedTmpl: 'reject' });
    await tellSubscriptions(server, alice, { wxmpPaidTmpl: 'accept', wxmpShippedTmpl: 'reject' });
    paid = await placeOrder(server, alice);
    await wechat.pay(paid.outTradeNo);
    await expect.poll(async () => (await ops.order(paid.id)).order.status, { timeout: 15_000 }).toBe('paid');
    await wechat.fault({ endpoint: 'refund', refund_outcome: 'ABNORMAL' });
    const refund = await ops.refund(paid.id, paid.totalFen / 2, '少发一件');
    await expect.poll(async () => (await ops.attention()).some((a) => a.out_refund_no === refund.out_refund_no), { timeout: 20_000 }).toBe(true);
    pending = await placeOrder(server, await login(server, await wechat.loginCode('phone-bob')));
    await wechat.loginCode('phone-carol'); // a code nobody used yet
    await wechat.phoneCode('phone-carol'); // a tap on the getPhoneNumber button, its code not used

    // The day reconciled with a bill that says 1 fen more for the paid order: a difference on the
    // day's page. Its item is resolved, so that one item (the ABNORMAL refund's) still needs a person.
    day = beijingDay(new Date((await ops.order(paid.id)).order.paid_at ?? ''));
    await wechat.billReady(day);
    await wechat.fault({ endpoint: 'bill', bill_corrupt: 'amount', out_trade_no: paid.outTradeNo });
    await ops.runBill(day);
    await expect.poll(async () => (await ops.billDay(day))?.differences.map((x) => x.outcome), { timeout: 30_000 }).toEqual(['attention']);
    const item = (await ops.attention()).find((a) => a.kind === 'bill_difference');
    expect(item).toBeDefined();
    await ops.resolve(item?.id ?? 0, 'the bill was spoiled on purpose');

    // Shipped by express once WeChat knows the payment, and uploaded: 已发货 (2) at WeChat.
    await expect.poll(async () => (await wechat.shippingOrder(shipped.outTradeNo))?.synced, { timeout: 30_000 }).toBe(true);
    await ops.ship(shipped.id, { method: 'express', parcels: [{ company: 'JTSD', tracking_no: 'JT0001234567890123456789' }] });
    await expect.poll(async () => (await wechat.shippingOrder(shipped.outTradeNo))?.order_state, { timeout: 20_000 }).toBe(2);
    // The buyer of the shipped tea asks for the money back: a request waiting for a decision.
    await requestRefund(server, dave, shipped.id, shipped.totalFen, '包装破损，茶叶洒了一半，申请全额退款');
    await expect.poll(async () => (await wechat.messages('phone-alice')).length, { timeout: 20_000 }).toBe(1);
  });

  describe.each(languages)('$lang', (l) => {
    it('operator console: sign-in, orders, an order, its refund dialog, refund requests, refunds, bills, a day’s bill, what needs a person, products', async () => {
      await operator.goto(`${server.api}/console/`);
      await speak(operator, l);
      const signOut = operator.getByTestId('sign-out');
      if (await signOut.isVisible()) await signOut.click();
      await operator.locator('[data-testid=sign-in]').waitFor();
      await fits(operator, 'sign-in');
      await operator.fill('input[name=key]', server.operatorKey);
      await operator.getByRole('button', { name: l.signIn, exact: true }).click();

      await operator.locator(`[data-order="${paid.id}"] [data-state=paid]`).waitFor();
      await operator.locator(`[data-order="${pending.id}"] [data-state=pending]`).waitFor();
      await fits(operator, 'orders');
      await shot(operator, `phone-operator-orders-${l.lang}`);

      await operator.goto(`${server.api}/console/orders/${paid.id}`);
      await operator.locator('[data-testid=refunds] [data-state=ABNORMAL]').waitFor();
      await operator.locator('[data-testid=ledger] tbody tr').first().waitFor();
      await hasButton(operator, l.recheck);
      await fits(operator, 'paid order');
      await shot(operator, `phone-operator-order-${l.lang}`);
      await operator.getByRole('button', { name: l.refund, exact: true }).click();
      await operator.locator('[data-testid=refund-dialog]').waitFor();
      await fits(operator, 'refund dialog');
      await operator.locator('[data-testid=refund-dialog]').getByRole('button', { name: l.cancel, exact: true }).click();

      await operator.getByTestId('ship').getByText(l.ship, { exact: true }).click();
      await operator.locator('[data-testid=ship-dialog] select[name=method]').waitFor();
      await fits(operator, 'ship dialog');
      await operator.locator('[data-testid=ship-dialog]').getByRole('button', { name: l.cancel, exact: true }).click();

      await operator.goto(`${server.api}/console/orders/${pending.id}`);
      await operator.locator('h1 [data-state=pending]').waitFor();
      await fits(operator, 'unpaid order');

      await operator.goto(`${server.api}/console/orders/${shipped.id}`);
      await operator.locator('h1 [data-state=shipped]').waitFor();
      await operator.locator('[data-testid=upload][data-upload=uploaded]').waitFor();
      await operator.locator('[data-testid=parcels] tbody tr').first().waitFor();
      await operator.locator('[data-testid=order-requests] [data-state=requested]').waitFor();
      await hasButton(operator, l.approve);
      await fits(operator, 'shipped order');
      await shot(operator, `phone-operator-shipped-${l.lang}`);
      await operator.getByTestId('ship').getByText(l.reship, { exact: true }).click();
      const dialog = operator.locator('[data-testid=ship-dialog]');
      await dialog.locator('[data-parcel="1"] input[name=tracking_no]').waitFor();
      await dialog.locator('select[name=method]').selectOption('express');
      await dialog.locator('[data-parcel="1"] select[name=company]').selectOption('JTSD');
      await fits(operator, 'ship-again dialog');
      await shot(operator, `phone-operator-reship-${l.lang}`);
      await dialog.getByRole('button', { name: l.cancel, exact: true }).click();

      await operator.goto(`${server.api}/console/refund-requests`);
      const request = operator.locator(`[data-testid=refund-requests] tr[data-order="${shipped.id}"]`);
      await request.waitFor();
      await hasButton(operator, l.approve);
      await hasButton(operator, l.reject);
      await fits(operator, 'refund requests');
      await shot(operator, `phone-operator-requests-${l.lang}`);
      await request.getByRole('button', { name: l.approve, exact: true }).click();
      await operator.getByTestId('approve-dialog').waitFor();
      await fits(operator, 'approve dialog');
      await operator.getByTestId('approve-dialog').getByRole('button', { name: l.cancel, exact: true }).click();
      await request.getByRole('button', { name: l.reject, exact: true }).click();
      await request.locator('input[name=note]').fill('超过七天无理由退货期，且包装已拆封，按店铺规则不予退款');
      await fits(operator, 'refund requests, rejecting');
      await request.getByRole('button', { name: l.cancel, exact: true }).click();

      await operator.goto(`${server.api}/console/refunds`);
      await operator.locator('[data-testid=unsettled-refunds] [data-state=ABNORMAL]').waitFor();
      await hasButton(operator, l.recheck);
      await fits(operator, 'refunds');
      await shot(operator, `phone-operator-refunds-${l.lang}`, l.lang === 'zh-CN' ? 'operator-refunds-phone' : undefined);

      await operator.goto(`${server.api}/console/bills`);
      await operator.locator(`[data-testid=bill-days] tr[data-day="${day}"] [data-state=unbalanced]`).waitFor();
      await hasButton(operator, l.rerun);
      await fits(operator, 'bills');
      await shot(operator, `phone-operator-bills-${l.lang}`);

      await operator.goto(`${server.api}/console/bills/${day}`);
      await operator.locator('[data-testid=differences] tr[data-kind=amount] [data-state=attention]').waitFor();
      await fits(operator, 'a day’s bill');
      await shot(operator, `phone-operator-bill-${l.lang}`);

      await operator.goto(`${server.api}/console/attention`);
      await operator.locator('[data-testid=attention] [data-state=refund_abnormal]').waitFor();
      await hasButton(operator, l.resolve);
      await fits(operator, 'attention');
      await shot(operator, `phone-operator-attention-${l.lang}`, l.lang === 'zh-CN' ? 'operator-attention-phone' : undefined);
      await operator.locator('[data-testid=attention] tbody tr').getByRole('button', { name: l.resolve, exact: true }).click();
      await operator.locator('[data-testid=attention] input[name=note]').waitFor();
      await fits(operator, 'attention, resolving');
      await operator.locator('[data-testid=attention] tbody tr').getByRole('button', { name: l.cancel, exact: true }).click();

      await operator.goto(`${server.api}/console/products`);
      await operator.locator('[data-testid=products] tbody tr').first().waitFor();
      await hasButton(operator, l.save);
      await fits(operator, 'products');
      await shot(operator, `phone-operator-products-${l.lang}`);
    });

    it('emulator console: transactions, notifications, refunds, shipping, users, phone codes, subscribe messages, the token, pushes, faults', async () => {
      await emulator.goto(`${server.emulator}/console/`);
      await speak(emulator, l);
      await emulator.locator(`[data-txn="${pending.outTradeNo}"] [data-state=NOTPAY]`).waitFor();
      await emulator.locator(`[data-delivery="${paid.outTradeNo}"]`).first().waitFor();
      await emulator.locator('[data-testid=emulator-refunds] [data-state=ABNORMAL]').waitFor();
      await emulator.locator('[data-user=phone-carol]').waitFor();
      expect(await emulator.locator('[data-user=phone-carol] [data-testid=code-expiry]').textContent()).toMatch(new RegExp(`^${l.expires} \\d`));
      await hasButton(emulator, l.pay);
      await hasButton(emulator, l.finish);
      await hasButton(emulator, l.platformRefund);
      await emulator.locator(`[data-testid=shipping] tr[data-shipping="${shipped.outTradeNo}"] [data-state="2"]`).waitFor();
      await hasButton(emulator, l.confirmReceipt);
      await hasButton(emulator, l.settle);
      await emulator.getByTestId('invalidate-token').getByText(l.invalidate, { exact: true }).waitFor();
      await emulator.locator('[data-testid=phone-codes] tr[data-for=phone-carol] [data-state=unused]').waitFor();
      await emulator.locator('[data-testid=templates] tr[data-template=wxmpPaidTmpl]').waitFor();
      await emulator.locator('[data-testid=subscriptions] tr[data-subscriber=phone-alice][data-template=wxmpPaidTmpl]').waitFor();
      await emulator.locator('[data-testid=messages] li[data-to=phone-alice]').waitFor();
      await emulator.getByTestId('declare-template').locator('summary').click(); // the template form, open
      await emulator.locator('textarea[name=template-fields]').waitFor();
      await fits(emulator, 'emulator');
      await shot(emulator, `phone-emulator-${l.lang}`);
    });
  });

  it('resolving the item by hand takes it off the nav’s count', async () => {
    const en = languages[1];
    await operator.goto(`${server.api}/console/attention`);
    await speak(operator, en);
    const count = operator.locator('header nav').getByTestId('attention-count');
    await count.getByText('1', { exact: true }).waitFor();
    const row = operator.locator('[data-testid=attention] tbody tr').first();
    await row.getByRole('button', { name: en.resolve, exact: true }).click();
    await row.locator('input[name=note]').fill('Refunded by hand on the merchant platform');
    await row.getByRole('button', { name: 'Confirm', exact: true }).click();
    await count.getByText('0', { exact: true }).waitFor();
    await operator.getByText('Nothing needs a person').waitFor();
  });
});
