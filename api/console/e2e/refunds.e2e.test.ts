// A refund's whole life in the operator console, in real Chromium against the real service, once
// in Chinese and once in English: a paid order; a refund WeChat Pay ends ABNORMAL (the emulator
// is told to, through its control API); the refund on the Refunds page and as an item about that
// refund; "Re-check now" while it is still ABNORMAL, and while WeChat Pay does not answer; a
// person finishes it at WeChat Pay, whose notification is lost; "Re-check now" learns SUCCESS,
// the refund leaves the list and the service resolves the item itself.
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatFen } from '../src/shared/money';
import { launch, shot, signIn, type Chromium } from './browser';
import { startServer, type Server } from './server';
import { login, placeOrder, type Placed } from './shop';
import { WeChat } from './wechat';

let server: Server;
let chromium: Chromium;
let operator: Page;
let emulator: Page;
let wechat: WeChat;

beforeAll(async () => {
  server = await startServer();
  wechat = new WeChat(server);
  chromium = await launch();
  operator = await chromium.page();
  emulator = await chromium.page();
  await signIn(operator, server.api, server.operatorKey);
});

afterAll(async () => {
  await chromium?.browser.close();
  await server?.stop();
});

// What each language must say; written out, not read from the console's dictionary, so that a
// wrong or missing label fails here.
const languages = [
  {
    lang: 'zh-CN',
    switch: 'English', // the header's switch names the other language
    nav: '退款',
    attentionNav: '待处理',
    refund: '退款…',
    recheck: '重新查询',
    requested: '申请时间',
    operator: '运营 console-e2e',
    stillAbnormal: (no: string) => `微信支付答复：退款 ${no} 退款异常`,
    why: (no: string, amount: string) => `退款 ${no}（${amount}）无法退到买家账户（退款异常）：请在商户平台处理。`,
    unavailable: '重新查询退款', // then the problem's label and code
    unavailableLabel: '微信支付暂时不可用，请重试 (wechatpay_unavailable)',
    settled: (no: string) => `退款 ${no} 已完结：退款成功`,
    noneLeft: '没有未完结的退款',
    nothingOpen: '没有需要处理的事项',
    refundQuery: '申请/查询退款',
    resolvedBySystem: '已处理（系统自动）',
    timelineResolved: '已处理：退款异常（系统自动）',
  },
  {
    lang: 'en',
    switch: '中文',
    nav: 'Refunds',
    attentionNav: 'Needs a person',
    refund: 'Refund…',
    recheck: 'Re-check now',
    requested: 'Requested',
    operator: 'Operator console-e2e',
    stillAbnormal: (no: string) => `WeChat Pay answered: refund ${no} Abnormal`,
    why: (no: string, amount: string) => `Refund ${no} of ${amount} could not reach the buyer (ABNORMAL): resolve it on the merchant platform.`,
    unavailable: 'Re-checking refund',
    unavailableLabel: 'WeChat Pay is unavailable; retry (wechatpay_unavailable)',
    settled: (no: string) => `Refund ${no} is settled: Refunded`,
    noneLeft: 'No refund is waiting for WeChat Pay',
    nothingOpen: 'Nothing needs a person',
    refundQuery: 'Refund request/query',
    resolvedBySystem: 'Resolved (System)',
    timelineResolved: 'Resolved: Refund ABNORMAL (System)',
  },
] as const;

/** The header's language switch, pressed if the console is not in l's language yet. */
async function speak(page: Page, l: (typeof languages)[number]): Promise<void> {
  const button = page.getByTestId('lang');
  if ((await button.textContent())?.trim() !== l.switch) await button.click();
  await button.getByText(l.switch, { exact: true }).waitFor();
}

/** The nav's link to a page; 待处理 / Needs a person carries the count of open items. */
async function go(page: Page, label: string): Promise<void> {
  await page.locator('header nav').getByRole('link', { name: new RegExp(`^${label}( \\d+\\+?)?$`) }).click();
}

/** Waits until the nav says n items need a person. */
async function openItems(page: Page, n: number): Promise<void> {
  await page.locator('header nav').getByTestId('attention-count').getByText(String(n), { exact: true }).waitFor();
}

describe.each(languages)('a refund’s whole life ($lang)', (l) => {
  let order: Placed;
  let no = ''; // the refund's out_refund_no
  const orderPage = (): Promise<unknown> => operator.goto(`${server.api}/console/orders/${order.id}`);
  const refundRow = (): Locator => operator.locator(`[data-testid=refunds] tr[data-refund="${no}"]`);
  const listed = (): Locator => operator.locator(`[data-testid=unsettled-refunds] tr[data-refund="${no}"]`);

  it('a paid order', async () => {
    order = await placeOrder(server, await login(server, await wechat.loginCode(`refund-${l.lang}`)));
    await wechat.pay(order.outTradeNo);
    await orderPage();
    await speak(operator, l);
    await operator.locator('h1 [data-state=paid]').waitFor({ timeout: 15_000 });
    await openItems(operator, 0);
  });

  it('a refund WeChat Pay ends ABNORMAL, with "Re-check now" beside it', async () => {
    await wechat.fault({ endpoint: 'refund', refund_outcome: 'ABNORMAL' });
    await operator.getByRole('button', { name: l.refund, exact: true }).click();
    await operator.locator('[data-testid=refund-dialog] button[type=submit]').click(); // all of it, the amount it starts at
    const row = operator.locator('[data-testid=refunds] tbody tr').first();
    await row.locator('[data-state=ABNORMAL]').waitFor({ timeout: 20_000 });
    no = (await row.getAttribute('data-refund')) ?? '';
    expect(no).not.toBe('');
    expect(await row.textContent()).toContain(formatFen(order.totalFen));
    expect(await operator.locator('[data-testid=refunds] thead').textContent()).toContain(l.requested);
    await refundRow().getByRole('button', { name: l.recheck }).waitFor();
    // Who asked comes with the order (its operator's view of refunds), before any re-check.
    expect(await refundRow().getByTestId('requested-by').textContent()).toBe(l.operator);
  });

  it('is on the Refunds page, oldest first, and an item needs a person about that very refund', async () => {
    await go(operator, l.nav);
    await operator.locator('[data-testid=unsettled-refunds]').waitFor();
    await openItems(operator, 1); // read again with the page: the item about this refund
    const row = listed();
    await row.locator('[data-state=ABNORMAL]').waitFor();
    expect(await row.getByTestId('amount').textContent()).toBe(formatFen(order.totalFen));
    expect(await row.getByTestId('requested-by').textContent()).toBe(l.operator);
    expect(await row.getByTestId('check-attempts').textContent()).toMatch(/^\d+$/);
    expect(await row.getByRole('link', { name: order.outTradeNo }).getAttribute('href')).toBe(`/console/orders/${order.id}`);
    expect(await operator.locator('[data-testid=unsettled-refunds] thead').textContent()).toContain(l.requested);
    await shot(operator, `operator-refunds-${l.lang}`, l.lang === 'zh-CN' ? 'operator-refunds-desktop' : undefined);

    await go(operator, l.attentionNav);
    const item = operator.locator(`[data-testid=attention] tr[data-refund="${no}"]`);
    await item.locator('[data-state=refund_abnormal]').waitFor();
    expect(await item.textContent()).toContain(order.outTradeNo);
    expect(await item.getByTestId('subject').textContent()).toBe(no);
    expect(await item.getByTestId('why').textContent()).toBe(l.why(no, formatFen(order.totalFen)));
  });

  it('re-checked on the order page: still ABNORMAL, who asked shows; then WeChat Pay does not answer', async () => {
    await orderPage();
    await refundRow().getByRole('button', { name: l.recheck }).click();
    await operator.getByText(l.stillAbnormal(no)).waitFor();
    await refundRow().getByTestId('requested-by').getByText(l.operator, { exact: true }).waitFor();
    await refundRow().locator('[data-state=ABNORMAL]').waitFor();

    await wechat.fault({ endpoint: 'refund_query', code: 'SYSTEM_ERROR' });
    await refundRow().getByRole('button', { name: l.recheck }).click();
    const error = refundRow().getByTestId('recheck-error');
    await error.waitFor();
    expect(await error.textContent()).toContain(l.unavailable);
    expect(await error.textContent()).toContain(l.unavailableLabel);
    await refundRow().locator('[data-state=ABNORMAL]').waitFor(); // nothing changed
    await wechat.clearFaults();
  });

  it('finished at WeChat Pay with its notification lost: "Re-check now" settles it, and the item resolves itself', async () => {
    // The notification that would tell the service is lost, every attempt: only a re-check can.
    await wechat.fault({ endpoint: 'refund_notify', drop: 100 });
    if (l.lang === 'zh-CN') {
      // By hand, in the emulator console, as a person at WeChat Pay's end would.
      await emulator.goto(`${server.emulator}/console/`);
      const at = emulator.locator(`[data-testid=emulator-refunds] [data-refund="${no}"]`);
      await at.getByRole('button', { name: '人工处理完成' }).click();
      await at.locator('[data-state=SUCCESS]').waitFor();
    } else {
      expect((await wechat.completeRefund(no)).status).toBe('SUCCESS');
    }

    await go(operator, l.nav);
    const row = listed();
    await row.locator('[data-state=ABNORMAL]').waitFor(); // the service has not heard
    await row.getByRole('button', { name: l.recheck }).click();
    await operator.getByTestId('notice').getByText(l.settled(no)).waitFor();
    await row.waitFor({ state: 'detached' });
    await operator.getByText(l.noneLeft).waitFor();
    await openItems(operator, 0); // the service resolved the item when the refund settled

    await orderPage();
    await refundRow().locator('[data-state=SUCCESS]').waitFor();
    expect(await refundRow().getByRole('button', { name: l.recheck }).count()).toBe(0);
    await operator.getByTestId('refunded').getByText(formatFen(order.totalFen)).waitFor();
    const item = operator.locator(`[data-testid=order-attention] li[data-refund="${no}"]`);
    await item.locator('[data-state=refund_abnormal]').waitFor();
    expect(await item.getAttribute('data-resolved-by')).toBe('system');
    expect(await item.getByTestId('why').textContent()).toBe(l.why(no, formatFen(order.totalFen)));
    expect(await item.getByTestId('resolved').textContent()).toContain(l.resolvedBySystem);
    await operator.getByTestId('timeline').getByText(l.timelineResolved).waitFor();
    const answer = operator.locator('[data-testid=ledger] tr').filter({ hasText: l.refundQuery }).filter({ has: operator.locator('[data-state=applied]') });
    expect(await answer.count()).toBeGreaterThan(0);
    await shot(operator, `operator-refund-settled-${l.lang}`);

    await go(operator, l.attentionNav);
    await operator.getByText(l.nothingOpen).waitFor();
    await openItems(operator, 0);
  });
});
