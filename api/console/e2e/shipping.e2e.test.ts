// From paid to delivered in both consoles, in real Chromium against the real service and its
// emulator: a product that is sent (added through the operator API) and one that is picked up
// (added in the console's catalog form); the sent one bought with the buyer's address, paid in
// the emulator console, and shipped by express from the order page (two parcels) once WeChat's
// shipping management knows the payment; the emulator console shows it shipped with its parcels;
// the buyer confirms receipt there, and the order is received once the buyer's app asks (the
// operator console has no receipt button), then completed once the funds settle. The picked-up
// one ships by self-pickup and once again, and a third time is refused (the problem's detail in
// the dialog, the button disabled). WeChat refusing an upload shows its reason on the order and
// raises an item that needs a person. Then the emulator console's access_token (invalidated: the
// service fetches a fresh one and carries on) and message pushes.
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { components } from '../src/shared/api.gen';
import { launch, shot, signIn, type Chromium } from './browser';
import { Operator } from './operator';
import { startServer, type Server } from './server';
import { ADDRESS, buy, confirmReceipt, login, type Placed } from './shop';
import { WeChat } from './wechat';

type Product = components['schemas']['AdminProduct'];

let server: Server;
let chromium: Chromium;
let operator: Page;
let emulator: Page;
let wechat: WeChat;
let ops: Operator;
let token = ''; // the buyer's
let sent: Product; // physical: sent by express or same-city delivery
let cakeId = ''; // pickup: collected by the buyer, added in the console
let parcel: Placed; // the sent one, bought with an address
let picked: Placed; // the picked-up one: shipped, and shipped again

const SYNC_MS = 25_000; // WeChat's shipping management learns of a payment about 10 s after it
const UPLOAD_MS = 20_000;

beforeAll(async () => {
  server = await startServer();
  wechat = new WeChat(server);
  ops = new Operator(server);
  chromium = await launch();
  operator = await chromium.page();
  emulator = await chromium.page();
  await signIn(operator, server.api, server.operatorKey);
  await emulator.goto(`${server.emulator}/console/`);
  token = await login(server, await wechat.loginCode('ship-alice'));
});

afterAll(async () => {
  await chromium?.browser.close();
  await server?.stop();
});

async function speak(page: Page, lang: 'zh-CN' | 'en'): Promise<void> {
  const label = lang === 'zh-CN' ? 'English' : '中文'; // the switch names the other language
  const button = page.getByTestId('lang');
  if ((await button.textContent())?.trim() !== label) await button.click();
  await button.getByText(label, { exact: true }).waitFor();
}

async function orderPage(id: string, status: string): Promise<void> {
  await operator.goto(`${server.api}/console/orders/${id}`);
  await operator.locator(`h1 [data-state="${status}"]`).waitFor({ timeout: 15_000 });
}

/** Paid, as the service has it, and known to WeChat's shipping management (synced). */
async function paidAndSynced(order: Placed): Promise<void> {
  await expect.poll(async () => (await ops.order(order.id)).order.status, { timeout: 15_000 }).toBe('paid');
  await expect.poll(async () => (await wechat.shippingOrder(order.outTradeNo))?.synced, { timeout: SYNC_MS }).toBe(true);
}

/** The emulator console's row of one shipping order. */
function shippingRow(order: Placed): Locator {
  return emulator.locator(`[data-testid=shipping] tr[data-shipping="${order.outTradeNo}"]`);
}

describe('shipping', () => {
  it('the catalog says how each product reaches the buyer; one is added as picked up', async () => {
    sent = await ops.createProduct({ sku: 'e2e-tea-sent', name: '寄送乌龙茶', description: '顺丰或圆通寄出', price_fen: 1280, stock: 50, active: true, kind: 'physical' });
    await operator.goto(`${server.api}/console/products`);
    const row = operator.locator('[data-testid=products] tr[data-sku=e2e-tea-sent]');
    expect(await row.locator('select[name=kind]').inputValue()).toBe('physical');
    expect(await row.locator('select[name=kind] option:checked').textContent()).toBe('实物寄送');

    const form = operator.getByTestId('new-product');
    expect(await form.locator('select[name=kind]').inputValue()).toBe('pickup'); // the API's default
    expect(await form.locator('select[name=kind] option').allTextContents()).toEqual(['实物寄送', '虚拟商品', '用户自提']);
    await form.locator('input[name=sku]').fill('e2e-cake-pickup');
    await form.locator('input[name=name]').fill('到店自提蛋糕');
    await form.locator('input[name=price]').fill('36');
    await form.locator('input[name=stock]').fill('5');
    await form.locator('select[name=kind]').selectOption('pickup');
    await form.locator('button[type=submit]').click();
    const added = operator.locator('[data-testid=products] tr[data-sku=e2e-cake-pickup]');
    await added.waitFor();
    expect(await added.locator('select[name=kind]').inputValue()).toBe('pickup');
    const products = await fetch(`${server.api}/v1/products`).then((r) => r.json() as Promise<{ items: components['schemas']['Product'][] }>);
    const listed = products.items.find((p) => p.name === '到店自提蛋糕');
    expect(listed?.kind).toBe('pickup');
    cakeId = listed?.id ?? '';
  });

  it('a sent order: bought with an address, paid in the emulator console, shipped by express in two parcels', async () => {
    parcel = await buy(server, token, sent.id, 2, ADDRESS);
    const txn = emulator.locator(`[data-txn="${parcel.outTradeNo}"]`);
    await txn.getByRole('button', { name: '支付', exact: true }).click();
    await txn.locator('[data-state=SUCCESS]').waitFor();
    // WeChat's shipping management has the order to ship, once it has learnt of the payment.
    await shippingRow(parcel).locator('[data-state="1"]').waitFor();
    await emulator.locator(`[data-testid=shipping] tr[data-shipping="${parcel.outTradeNo}"][data-synced=true]`).waitFor({ timeout: SYNC_MS });
    expect(await shippingRow(parcel).locator('[data-state="1"]').textContent()).toBe('待发货 (1)');

    await orderPage(parcel.id, 'paid');
    expect(await operator.getByTestId('kind').textContent()).toBe('实物寄送');
    expect(await operator.getByTestId('address').textContent()).toContain('广东省 广州市 海珠区 新港中路397号');
    expect(await operator.getByTestId('address').textContent()).toContain('张三');
    expect(await operator.locator('[data-testid=shipping] [data-testid=method]').textContent()).toBe('尚未发货');

    await operator.getByTestId('ship').getByText('发货', { exact: true }).click();
    const dialog = operator.getByTestId('ship-dialog');
    await dialog.getByRole('heading', { name: '发货' }).waitFor();
    expect(await dialog.getByTestId('ship-to').textContent()).toContain('新港中路397号');
    // Sent goods go by express or same-city delivery, nothing else.
    expect(await dialog.locator('select[name=method] option').allTextContents()).toEqual(['快递', '同城配送']);
    const submit = dialog.locator('button[type=submit]');
    expect(await submit.isDisabled()).toBe(true);
    await dialog.locator('[data-parcel="1"] input[name=tracking_no]').fill('YT7000000001');
    await dialog.getByText('请为每个包裹选择快递公司').waitFor();
    expect(await dialog.locator('[data-parcel="1"] select[name=company] option').allTextContents()).toEqual([
      '—', '圆通速递 (YTO)', '中通快递 (ZTO)', '申通快递 (STO)', '韵达速递 (YD)', '顺丰速运 (SF)', '极兔速递 (JTSD)', 'EMS (EMS)', '京东物流 (JD)',
    ]);
    await dialog.locator('[data-parcel="1"] select[name=company]').selectOption('YTO');
    await dialog.getByRole('button', { name: '添加包裹' }).click();
    await dialog.locator('[data-parcel="2"] select[name=company]').selectOption('SF');
    await dialog.getByText('请填写每个包裹的运单号').waitFor();
    await dialog.locator('[data-parcel="2"] input[name=tracking_no]').fill(' SF1400000002 ');
    await shot(operator, 'operator-ship-dialog');
    await submit.click();

    await operator.locator('h1 [data-state=shipped]').waitFor();
    await operator.getByText('已发货：快递').waitFor();
    expect(await operator.locator('[data-testid=parcels] tbody tr').allTextContents()).toEqual(['圆通速递YT7000000001', '顺丰速运SF1400000002']);
    // The upload to WeChat goes in the background; the page watches it.
    await operator.locator('[data-testid=upload][data-upload=uploaded]').waitFor({ timeout: UPLOAD_MS });
    expect(await operator.locator('[data-testid=upload] .badge').textContent()).toBe('已录入微信');
    expect(await operator.getByTestId('ship').textContent()).toBe('重新发货');
    expect(await operator.getByTestId('ship').isDisabled()).toBe(false);
    expect(await operator.locator('[data-testid=timeline] li[data-event=shipped]').textContent()).toContain('发货：快递');
    await operator.locator('[data-testid=timeline] li[data-event=uploaded]').waitFor();
    await shot(operator, 'operator-shipped', 'operator-shipment-desktop');

    const row = shippingRow(parcel);
    await row.locator('[data-state="2"]').waitFor();
    expect(await row.locator('[data-state="2"]').textContent()).toBe('已发货 (2)');
    expect(await row.locator('[data-parcel]').allTextContents()).toEqual(['YTO YT7000000001', 'SF SF1400000002']);
    expect(await row.locator('[data-logistics]').textContent()).toBe('快递');
  });

  it('the buyer confirms receipt in the emulator console; the order is received once the buyer’s app asks WeChat, completed once settled', async () => {
    const row = shippingRow(parcel);
    await row.getByRole('button', { name: '买家确认收货', exact: true }).click();
    await row.locator('[data-state="3"]').waitFor();
    expect(await row.locator('[data-state="3"]').textContent()).toBe('确认收货 (3)');
    await shot(emulator, 'emulator-shipping');

    // The operator console has no receipt button: the buyer's app calls /receipt on coming back
    // from WeChat's confirm-receipt page, and the service asks WeChat.
    const received = await confirmReceipt(server, token, parcel.id);
    expect(received.status).toBe('received');
    await orderPage(parcel.id, 'received');
    await operator.getByTestId('received-at').waitFor();
    expect(await operator.getByTestId('ship').count()).toBe(0); // received: nothing to ship
    await operator.locator('[data-testid=timeline] li[data-event=received]').getByText('买家确认收货').waitFor();

    await row.getByRole('button', { name: '结算', exact: true }).click();
    await row.locator('[data-state="4"]').waitFor();
    expect(await row.locator('[data-state="4"]').textContent()).toBe('交易完成 (4)');
    expect((await confirmReceipt(server, token, parcel.id)).status).toBe('completed');
    await orderPage(parcel.id, 'completed');
    await operator.getByTestId('completed-at').waitFor();
    expect(await operator.locator('h1 [data-state=completed]').textContent()).toBe('已完成');
    // A completed order can still be refunded; the button says so.
    await operator.getByRole('button', { name: '退款…' }).waitFor();

    await operator.goto(`${server.api}/console/?status=completed`);
    await operator.locator(`[data-order="${parcel.id}"] [data-state=completed]`).waitFor();
    expect(await operator.locator('[data-testid=orders] tbody tr').count()).toBe(1);
    expect(await operator.locator('select[name=status]').inputValue()).toBe('completed');
  });

  it('a picked-up order ships by self-pickup, once again, and no third time: the refusal’s detail in the dialog', async () => {
    const order = await buy(server, token, cakeId, 1);
    picked = order;
    await wechat.pay(order.outTradeNo);
    await paidAndSynced(order);

    await orderPage(order.id, 'paid');
    expect(await operator.getByTestId('kind').textContent()).toBe('用户自提');
    await operator.getByTestId('ship').click();
    let dialog = operator.getByTestId('ship-dialog');
    expect(await dialog.locator('select[name=method] option').allTextContents()).toEqual(['用户自提']);
    expect(await dialog.getByTestId('parcels').count()).toBe(0);
    await dialog.locator('button[type=submit]').click();
    await operator.locator('h1 [data-state=shipped]').waitFor();
    await operator.getByText('已发货：用户自提').waitFor();
    await operator.locator('[data-testid=upload][data-upload=uploaded]').waitFor({ timeout: UPLOAD_MS });

    await operator.getByTestId('ship').getByText('重新发货', { exact: true }).click();
    dialog = operator.getByTestId('ship-dialog');
    await dialog.getByRole('heading', { name: '重新发货' }).waitFor();
    await dialog.getByText('微信只允许重新发货一次，之后不能再修改发货信息。').waitFor();
    // Meanwhile someone else uses the one re-ship.
    await ops.ship(order.id, { method: 'pickup' });
    await dialog.locator('button[type=submit]').click();
    const refusal = await dialog.getByRole('alert').textContent();
    expect(refusal).toContain('该订单现在不能发货（未支付、已重新发过一次货，或买家已确认收货） (not_shippable): ');
    expect(refusal).toContain('WeChat allows one re-ship'); // the problem's detail
    await shot(operator, 'operator-ship-refused');
    await dialog.getByRole('button', { name: '取消' }).click();

    await operator.reload();
    await operator.locator('h1 [data-state=shipped]').waitFor();
    await operator.getByTestId('reship-used').waitFor();
    expect(await operator.getByTestId('ship').isDisabled()).toBe(true);
    expect(await operator.locator('[data-testid=method]').textContent()).toBe('用户自提 · 已重新发货（微信只允许一次）');
    expect(await operator.locator('[data-testid=timeline] li[data-event=shipped]').textContent()).toContain('重新发货：用户自提');
  });

  it('WeChat refuses an upload: its reason on the order, and an item that needs a person, in both languages', async () => {
    await wechat.fault({ endpoint: 'upload_shipping_info', errcode: 10060004, errmsg: '支付单处于不可发货的状态' });
    const order = await buy(server, token, sent.id, 1, ADDRESS);
    await wechat.pay(order.outTradeNo);
    await paidAndSynced(order);

    await orderPage(order.id, 'paid');
    await operator.getByTestId('ship').click();
    const dialog = operator.getByTestId('ship-dialog');
    await dialog.locator('select[name=method]').selectOption('same_city');
    await dialog.locator('button[type=submit]').click();
    await operator.locator('h1 [data-state=shipped]').waitFor();
    await operator.locator('[data-testid=upload][data-upload=refused]').waitFor({ timeout: UPLOAD_MS });
    // WeChat's own words, as it answered them (its errmsg ends with the request's rid).
    const why = 'errcode 10060004: 支付单处于不可发货的状态';
    expect(await operator.getByTestId('refused').textContent()).toMatch(new RegExp(`^微信的答复：${why}( rid: \\S+)?$`));
    const item = operator.locator('[data-testid=order-attention] li');
    await item.waitFor();
    expect(await item.locator('.badge').textContent()).toBe('发货信息被拒');
    const txn = (await ops.order(order.id)).order.transaction_id ?? '';
    expect(txn).not.toBe('');
    const said = await item.getByTestId('why').textContent();
    expect(said).toContain(`微信拒绝录入这笔订单的发货信息（微信支付单号 ${txn}）：${why}`);
    expect(said).toMatch(/。微信收到发货信息之前，买家的货款一直冻结：请核对后处理。$/);
    await shot(operator, 'operator-shipping-refused');

    await speak(operator, 'en');
    expect(await operator.locator('[data-testid=upload] .badge').textContent()).toBe('Refused by WeChat');
    expect(await operator.getByTestId('refused').textContent()).toContain(`WeChat said: ${why}`);
    expect(await operator.getByTestId('ship').textContent()).toBe('Ship again');
    await operator.goto(`${server.api}/console/attention`);
    const listed = operator.locator('[data-testid=attention] [data-state=shipping_refused]');
    await listed.waitFor();
    expect(await listed.textContent()).toBe('Shipment refused');
    await operator.locator('[data-testid=attention] [data-testid=why]').getByText(`WeChat refused the order's shipping information (transaction ${txn})`, { exact: false }).waitFor();
    await speak(operator, 'zh-CN');
  });

  it('the emulator console: the access_token, invalidated (the service fetches a fresh one), and the message pushes', async () => {
    await emulator.goto(`${server.emulator}/console/#token`);
    const stable = emulator.getByTestId('stable-token');
    await stable.locator('.mono').waitFor(); // the service fetched one to upload shipments
    const before = await stable.locator('.mono').textContent();
    await emulator.getByTestId('invalidate-token').click();
    await emulator.getByRole('status').getByText('access_token 已作废：下一次调用将得到 40001').waitFor();
    await emulator.getByTestId('stable-token').getByText('尚未发放').waitFor();
    // The service's next call (get_order, for a shipped order) answers 40001; it fetches a fresh
    // token and asks again.
    expect((await confirmReceipt(server, token, picked.id)).status).toBe('shipped');
    await stable.locator('.mono').waitFor();
    expect(await stable.locator('.mono').textContent()).not.toBe(before);

    await emulator.getByTestId('push-configured').locator('xpath=self::*[@data-configured="true"]').waitFor();
    // Confirming receipt and settling pushed trade_manage_order_settlement to the service.
    await emulator.locator('[data-testid=pushes] tr[data-event=trade_manage_order_settlement][data-delivered=true]').first().waitFor({ timeout: 15_000 });
    await emulator.getByTestId('verify-push').click();
    await emulator.locator('[data-testid=push-verified][data-ok=true]').waitFor();
    await shot(emulator, 'emulator-token-pushes');
  });
});
