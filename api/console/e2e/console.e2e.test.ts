// The two consoles in real Chromium (Debian's, driven by playwright-core) against the real
// service with its embedded PostgreSQL and in-process emulator. The tests run in order and
// share one server: each step builds on what the one before left (a paid order is refunded).
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fenToYuanInput, formatFen } from '../src/shared/money';
import { DESKTOP, launch, PHONE, shot, type Chromium } from './browser';
import { startServer, type Server } from './server';
import { login, placeOrder, type Placed } from './shop';

let server: Server;
let chromium: Chromium;
let operator: Page;
let emulator: Page;
let first: Placed;

/** The operator console's page for one order, reloaded until its status badge says status. */
async function orderShows(id: string, status: string): Promise<void> {
  await operator.goto(`${server.api}/console/orders/${id}`);
  await operator.locator(`h1 [data-state="${status}"]`).waitFor({ timeout: 15_000 });
}

async function mintCode(user: string): Promise<string> {
  await emulator.fill('[data-testid=mint] input[name=user]', user);
  await emulator.click('[data-testid=mint] button[type=submit]');
  const code = await emulator.locator(`[data-minted-for="${user}"] [data-testid=minted-code]`).textContent();
  expect(code).toMatch(/^[0-9a-f]{32}$/);
  return code ?? '';
}

beforeAll(async () => {
  server = await startServer();
  chromium = await launch();
  operator = await chromium.page();
  emulator = await chromium.page();
});

afterAll(async () => {
  await chromium?.browser.close();
  await server?.stop();
});

describe('operator console', () => {
  it('refuses a wrong key with one message, and keeps the right one in this tab only', async () => {
    await operator.goto(`${server.api}/console/`);
    const form = operator.locator('[data-testid=sign-in]');
    await form.waitFor();
    await shot(operator, 'operator-sign-in');
    await operator.fill('input[name=key]', 'wxop_console-e2e_notTheSecretAtAll0000000000000000000000000');
    await operator.click('button[type=submit]');
    await form.getByRole('alert').waitFor();
    // One message says the key was refused; the hints are as before (make run's, for the page
    // is served from 127.0.0.1); nothing says to sign in again on the sign-in page.
    expect(await form.locator('p').allTextContents()).toEqual([
      '密钥只保存在本标签页（sessionStorage），关闭即清除。',
      '在本机开发：make run 启动时会打印 OPERATOR_KEY。',
      '密钥不正确或已被撤销，请检查后重试。',
    ]);
    expect(await operator.getByRole('alert').count()).toBe(1);
    expect(await operator.locator('body').textContent()).not.toContain('重新登录');
    await shot(operator, 'operator-sign-in-refused');
    await operator.getByTestId('lang').click();
    await form.getByRole('alert').getByText('This key is wrong or has been revoked; check it and try again.', { exact: true }).waitFor();
    expect(await operator.getByRole('alert').count()).toBe(1);
    await operator.getByTestId('lang').click();
    await form.getByRole('alert').getByText('密钥不正确或已被撤销，请检查后重试。', { exact: true }).waitFor();
    expect(await operator.evaluate(() => sessionStorage.length)).toBe(0);

    await operator.fill('input[name=key]', server.operatorKey);
    await operator.click('button[type=submit]');
    await operator.locator('[data-testid=orders]').waitFor();
    expect(await operator.evaluate(() => sessionStorage.getItem('wxmp.operator.key'))).toBe(server.operatorKey);
    expect(await operator.evaluate(() => document.cookie)).toBe('');
    expect(operator.url()).not.toContain('wxop_');
  });
});

describe('emulator console and operator console together', () => {
  it('buy, pay in the emulator console, and the order is paid in the operator console', async () => {
    await emulator.goto(`${server.emulator}/console/`);
    const token = await login(server, await mintCode('alice'));
    first = await placeOrder(server, token);
    const row = emulator.locator(`[data-txn="${first.outTradeNo}"]`);
    await row.locator('[data-state=NOTPAY]').waitFor();
    await emulator.locator('[data-user=alice]').getByText('1', { exact: true }).waitFor(); // one login
    // The code's expiry says what it is.
    expect(await emulator.locator('[data-user=alice] [data-testid=code-expiry]').first().textContent()).toMatch(/^有效期至 \d{4}\/\d{1,2}\/\d{1,2} \d{2}:\d{2}:\d{2}$/);

    await row.getByRole('button', { name: '支付', exact: true }).click();
    await row.locator('[data-state=SUCCESS]').waitFor();
    await emulator.locator(`[data-delivery="${first.outTradeNo}"][data-answer=taken]`).waitFor();

    await operator.goto(`${server.api}/console/`);
    const listed = operator.locator(`[data-order="${first.id}"]`);
    await listed.locator('[data-state=paid]').waitFor();
    expect(await listed.textContent()).toContain(formatFen(first.totalFen));
    await shot(operator, 'operator-orders');
    await listed.getByRole('link').click();
    await operator.locator('h1 [data-state=paid]').waitFor();
    await operator.locator('[data-testid=ledger] [data-state=applied]').waitFor();
  });

  it('refund half: PROCESSING, then SUCCESS', async () => {
    await orderShows(first.id, 'paid');
    await operator.getByRole('button', { name: '退款…' }).click();
    const dialog = operator.locator('[data-testid=refund-dialog]');
    // The amount starts at what is left: all of it.
    expect(await dialog.locator('input[name=amount]').inputValue()).toBe(fenToYuanInput(first.totalFen));
    await dialog.locator('input[name=amount]').fill('0.001');
    await dialog.getByText('最多两位小数').waitFor();
    await dialog.locator('input[name=amount]').fill(fenToYuanInput(first.totalFen / 2));
    await dialog.locator('input[name=reason]').fill('少发一件');
    await shot(operator, 'operator-refund-dialog');
    await dialog.locator('button[type=submit]').click();

    const refund = operator.locator('[data-testid=refunds] tbody tr').first();
    await refund.locator('[data-state=PROCESSING]').waitFor();
    expect(await refund.textContent()).toContain(formatFen(first.totalFen / 2));
    await refund.locator('[data-state=SUCCESS]').waitFor({ timeout: 20_000 });
    await operator.getByTestId('refunded').getByText(formatFen(first.totalFen / 2)).waitFor();
    await shot(operator, 'operator-order', 'operator-order-desktop');
    await operator.setViewportSize(PHONE);
    await shot(operator, 'operator-order-phone', 'operator-order-phone');
    await operator.setViewportSize(DESKTOP);

    await emulator.locator('[data-testid=emulator-refunds] [data-state=SUCCESS]').waitFor();
  });

  it('a dropped notification shows in the emulator console, and the order still ends paid', async () => {
    await emulator.getByTestId('drop-next').click();
    await emulator.locator('[data-testid=faults]').getByText('"drop":1').waitFor();
    const order = await placeOrder(server, await login(server, await mintCode('bob')));
    const row = emulator.locator(`[data-txn="${order.outTradeNo}"]`);
    await row.getByRole('button', { name: '支付', exact: true }).click();

    const dropped = emulator.locator(`[data-delivery="${order.outTradeNo}"][data-answer=dropped]`);
    await dropped.waitFor();
    expect((await dropped.locator('td').last().textContent())?.trim()).not.toBe(''); // its next retry
    await orderShows(order.id, 'pending'); // WeChat took the money; the service has not heard yet

    await row.getByRole('button', { name: '再次通知' }).click();
    await emulator.locator(`[data-delivery="${order.outTradeNo}"][data-answer=taken]`).waitFor();
    await orderShows(order.id, 'paid');
    await shot(emulator, 'emulator', 'emulator-desktop');
    await emulator.setViewportSize(PHONE);
    await shot(emulator, 'emulator-phone', 'emulator-phone');
    await emulator.setViewportSize(DESKTOP);
  });

  it('switches to English, and signing out forgets the key', async () => {
    await operator.goto(`${server.api}/console/attention`);
    await operator.getByTestId('lang').click();
    await operator.getByRole('heading', { name: 'Needs a person' }).waitFor();
    await shot(operator, 'operator-attention');
    await operator.goto(`${server.api}/console/products`);
    await operator.getByRole('heading', { name: 'Products' }).waitFor(); // the choice is kept
    await shot(operator, 'operator-products');
    await operator.getByTestId('lang').click();

    await operator.getByTestId('sign-out').click();
    await operator.locator('[data-testid=sign-in]').waitFor();
    expect(await operator.evaluate(() => sessionStorage.length)).toBe(0);
  });
});
