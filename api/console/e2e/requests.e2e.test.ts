// Buyers' refund requests (售后) in the operator console, in real Chromium against the real
// service, once in Chinese and once in English. A buyer (through the API, as the mini-program
// does) pays for two tins of tea in the emulator and asks for one tin's price back: the nav
// counts the request, the queue shows it with its order, amount, reason and age, the order's
// page lists it; the operator approves it after the dialog, the refund appears on the order and
// WeChat Pay ends it SUCCESS, and the buyer sees the request refunded. Another is rejected with a
// note (on the queue in Chinese, on the order's page in English), which the buyer then reads. A
// third is withdrawn by the buyer while the page shows it: approving it says it is no longer
// open (request_not_open), and no money moves.
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatFen } from '../src/shared/money';
import type { components } from '../src/shared/api.gen';
import { launch, shot, signIn, type Chromium } from './browser';
import { Operator } from './operator';
import { startServer, type Server } from './server';
import { ADDRESS, buy, login, refundRequests, requestRefund, withdrawRefundRequest, type Placed } from './shop';
import { WeChat } from './wechat';

let server: Server;
let chromium: Chromium;
let operator: Page;
let wechat: WeChat;
let ops: Operator;
let tea: components['schemas']['AdminProduct'];

beforeAll(async () => {
  server = await startServer();
  wechat = new WeChat(server);
  ops = new Operator(server);
  chromium = await launch();
  operator = await chromium.page();
  await signIn(operator, server.api, server.operatorKey);
  tea = await ops.createProduct({ sku: 'req-longjing', name: '明前龙井（罐装）', description: '', price_fen: 1280, stock: 100, active: true, kind: 'physical' });
});

afterAll(async () => {
  await chromium?.browser.close();
  await server?.stop();
});

/** A buyer's paid order of two tins (¥25.60), and the buyer's session. */
async function paidOrder(user: string): Promise<{ token: string; order: Placed }> {
  const token = await login(server, await wechat.loginCode(user));
  const order = await buy(server, token, tea.id, 2, ADDRESS);
  await wechat.pay(order.outTradeNo);
  await expect.poll(async () => (await ops.order(order.id)).order.status, { timeout: 15_000 }).toBe('paid');
  return { token, order };
}

// What each language must say; written out, not read from the console's dictionary.
const languages = [
  {
    lang: 'zh-CN',
    switch: 'English',
    nav: '售后',
    approve: '同意退款',
    approveSubmit: '确认同意',
    reject: '拒绝',
    confirmReject: '确认拒绝',
    cancel: '取消',
    justNow: '刚刚',
    awaiting: '待审核',
    empty: '没有等待处理的退款申请',
    operator: '运营 console-e2e',
    approveWhat: (order: string, amount: string) => `订单 ${order}：向买家退款 ${amount}。`,
    approved: (order: string, no: string, amount: string) => `已同意：订单 ${order} 的退款 ${no}（${amount}）已发起。`,
    rejected: (order: string) => `已拒绝订单 ${order} 的退款申请，买家会看到原因。`,
    notOpen: '这份退款申请已不在待处理状态（已处理，或买家已撤回） (request_not_open)',
    reason: '茶叶受潮结块',
    note: '包装已拆封且超过七天，按店铺规则不予退款',
    rejectOn: 'queue',
  },
  {
    lang: 'en',
    switch: '中文',
    nav: 'Refund requests',
    approve: 'Approve',
    approveSubmit: 'Approve and refund',
    reject: 'Reject',
    confirmReject: 'Reject request',
    cancel: 'Cancel',
    justNow: 'just now',
    awaiting: 'Awaiting decision',
    empty: 'No refund request is waiting',
    operator: 'Operator console-e2e',
    approveWhat: (order: string, amount: string) => `Order ${order}: refund ${amount} to the buyer.`,
    approved: (order: string, no: string, amount: string) => `Approved: refund ${no} of ${amount} on order ${order} is under way.`,
    rejected: (order: string) => `Rejected the refund request on order ${order}; the buyer sees why.`,
    notOpen: 'This refund request is no longer open (decided, or withdrawn by the buyer) (request_not_open)',
    reason: 'The tea arrived damp',
    note: 'Opened and past the seven days the shop allows',
    rejectOn: 'order',
  },
] as const;

async function speak(page: Page, l: (typeof languages)[number]): Promise<void> {
  const button = page.getByTestId('lang');
  if ((await button.textContent())?.trim() !== l.switch) await button.click();
  await button.getByText(l.switch, { exact: true }).waitFor();
}

/** The nav's link to the refund requests page, with its count; the page reloaded when it is
 * the one shown already (a link to it leaves it as it was). */
async function queuePage(page: Page, l: (typeof languages)[number]): Promise<void> {
  if (new URL(page.url()).pathname === '/console/refund-requests') await page.reload();
  else await page.locator('header nav').getByRole('link', { name: new RegExp(`^${l.nav}( \\d+\\+?)?$`) }).click();
  await page.getByTestId('refresh').waitFor();
}

/** Waits until the nav says n requests wait for a decision. */
async function waiting(page: Page, n: number): Promise<void> {
  await page.locator('header nav').getByTestId('request-count').getByText(String(n), { exact: true }).waitFor();
}

describe.each(languages)('refund requests ($lang)', (l) => {
  const queued = (id: string): Locator => operator.locator(`[data-testid=refund-requests] tr[data-request="${id}"]`);

  it('approved after the dialog: the refund appears on the order, WeChat Pay ends it, and the buyer sees it refunded', async () => {
    const { token, order } = await paidOrder(`req-${l.lang}-a`);
    const half = order.totalFen / 2;
    const request = await requestRefund(server, token, order.id, half, l.reason);
    expect(request.status).toBe('requested');

    await operator.goto(`${server.api}/console/`);
    await speak(operator, l);
    await waiting(operator, 1);
    await queuePage(operator, l);
    const row = queued(request.id);
    await row.waitFor();
    expect(await row.getByRole('link', { name: order.outTradeNo }).getAttribute('href')).toBe(`/console/orders/${order.id}`);
    expect(await row.getByTestId('amount').textContent()).toBe(formatFen(half));
    expect(await row.getByTestId('reason').textContent()).toBe(l.reason);
    expect(await row.getByTestId('waited').textContent()).toBe(l.justNow);
    await shot(operator, `operator-requests-${l.lang}`, l.lang === 'zh-CN' ? 'operator-requests-desktop' : undefined);

    // The order's page lists it too, with its status.
    await row.getByRole('link', { name: order.outTradeNo }).click();
    const onOrder = operator.locator(`[data-testid=order-requests] tr[data-request="${request.id}"]`);
    await onOrder.locator('[data-state=requested]').getByText(l.awaiting, { exact: true }).waitFor();
    expect(await onOrder.getByTestId('amount').textContent()).toBe(formatFen(half));
    await queuePage(operator, l);

    // The dialog says what will happen; cancelled, nothing does.
    await row.getByRole('button', { name: l.approve, exact: true }).click();
    const dialog = operator.locator(`[data-testid=approve-dialog][data-request="${request.id}"]`);
    expect(await dialog.getByTestId('approve-what').textContent()).toBe(l.approveWhat(order.outTradeNo, formatFen(half)));
    expect(await dialog.textContent()).toContain(l.reason);
    await dialog.getByRole('button', { name: l.cancel, exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
    expect((await refundRequests(server, token, order.id))[0]?.status).toBe('requested');

    await row.getByRole('button', { name: l.approve, exact: true }).click();
    await dialog.getByRole('button', { name: l.approveSubmit, exact: true }).click();
    const notice = operator.getByTestId('notice');
    await notice.waitFor();
    const [asked] = await refundRequests(server, token, order.id);
    const no = asked?.out_refund_no ?? '';
    expect(no).not.toBe('');
    expect(await notice.textContent()).toContain(l.approved(order.outTradeNo, no, formatFen(half)));
    await row.waitFor({ state: 'detached' });
    await operator.getByText(l.empty, { exact: true }).waitFor();
    await waiting(operator, 0);

    // The refund is on the order, asked by this operator, and WeChat Pay ends it SUCCESS.
    await notice.getByTestId('notice-order').click();
    const refund = operator.locator(`[data-testid=refunds] tr[data-refund="${no}"]`);
    await refund.waitFor();
    expect(await refund.textContent()).toContain(formatFen(half));
    expect(await refund.textContent()).toContain(l.reason);
    expect(await refund.getByTestId('requested-by').textContent()).toBe(l.operator);
    await refund.locator('[data-state=SUCCESS]').waitFor({ timeout: 20_000 });
    await operator.getByTestId('refunded').getByText(formatFen(half), { exact: true }).waitFor();
    // The order's page keeps the request, refunded, with its refund and no buttons.
    const decided = operator.locator(`[data-testid=order-requests] tr[data-request="${request.id}"]`);
    await decided.locator('[data-state=refunded]').waitFor({ timeout: 15_000 });
    expect(await decided.textContent()).toContain(no);
    expect(await decided.getByRole('button').count()).toBe(0);
    await shot(operator, `operator-request-refunded-${l.lang}`);
    await expect.poll(async () => (await refundRequests(server, token, order.id))[0]?.status, { timeout: 15_000 }).toBe('refunded');
  });

  it(`another is rejected with a note (on the ${l.rejectOn} page), which the buyer reads; no money moves`, async () => {
    const { token, order } = await paidOrder(`req-${l.lang}-b`);
    const request = await requestRefund(server, token, order.id, order.totalFen, l.reason);

    let row: Locator;
    if (l.rejectOn === 'queue') {
      await queuePage(operator, l);
      row = queued(request.id);
    } else {
      await operator.goto(`${server.api}/console/orders/${order.id}`);
      row = operator.locator(`[data-testid=order-requests] tr[data-request="${request.id}"]`);
    }
    await waiting(operator, 1);
    await row.getByRole('button', { name: l.reject, exact: true }).click();
    const form = row.getByTestId('reject-form');
    const confirm = form.getByRole('button', { name: l.confirmReject, exact: true });
    expect(await confirm.isDisabled()).toBe(true); // a note is required
    await form.locator('input[name=note]').fill('   ');
    expect(await confirm.isDisabled()).toBe(true);
    await form.locator('input[name=note]').fill(l.note);
    await shot(operator, `operator-request-rejecting-${l.lang}`);
    await confirm.click();
    await operator.getByText(l.rejected(order.outTradeNo)).waitFor();
    if (l.rejectOn === 'queue') {
      await row.waitFor({ state: 'detached' });
    } else {
      // The order's page keeps it, rejected, with the note and no buttons.
      await row.locator('[data-state=rejected]').waitFor();
      expect(await row.getByTestId('request-note').textContent()).toBe(l.note);
      expect(await row.getByRole('button').count()).toBe(0);
    }
    await waiting(operator, 0);

    const [rejected] = await refundRequests(server, token, order.id);
    expect(rejected?.status).toBe('rejected');
    expect(rejected?.note).toBe(l.note);
    expect(rejected?.out_refund_no).toBeUndefined();
    const detail = await ops.order(order.id);
    expect(detail.refunds).toEqual([]);
    expect(detail.order.refunded_fen).toBe(0);
  });

  it('one the buyer withdrew while the page showed it: approving says it is no longer open, and the list is read again', async () => {
    const { token, order } = await paidOrder(`req-${l.lang}-c`);
    const request = await requestRefund(server, token, order.id, 100, l.reason);
    await queuePage(operator, l);
    const row = queued(request.id);
    await row.waitFor();
    expect((await withdrawRefundRequest(server, token, request.id)).status).toBe('withdrawn');

    await row.getByRole('button', { name: l.approve, exact: true }).click();
    const dialog = operator.getByTestId('approve-dialog');
    await dialog.getByRole('button', { name: l.approveSubmit, exact: true }).click();
    await dialog.getByRole('alert').getByText(l.notOpen, { exact: true }).waitFor();
    await row.waitFor({ state: 'detached' }); // the queue, read again, no longer has it
    await dialog.getByRole('button', { name: l.cancel, exact: true }).click();
    await operator.getByText(l.empty, { exact: true }).waitFor();
    await waiting(operator, 0);
    expect((await ops.order(order.id)).refunds).toEqual([]);
  });
});
