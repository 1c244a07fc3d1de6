// The buyer's side in the emulator console, in real Chromium against the real service and its
// in-process emulator. 手机号 / Phone: a tap on the getPhoneNumber button for a user gives the
// code to paste, which the service exchanges (POST /v1/me/phone) for the number, shown masked;
// the code is then used, and a second paste is refused; a spent quota gives no code but errno
// 1400001. 订阅消息 / Subscribe messages: the templates make run's service sends (and one added
// through the form), a user's answers to the subscribe popup recorded as the phone would, the
// service told as the mini-program tells it, a payment, and the message the user's phone then
// shows, with the accept it spent.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launch, shot, type Chromium } from './browser';
import { startServer, type Server } from './server';
import { bindPhone, login, placeOrder, tellSubscriptions } from './shop';
import { WeChat } from './wechat';

let server: Server;
let chromium: Chromium;
let emulator: Page;
let wechat: WeChat;

beforeAll(async () => {
  server = await startServer();
  wechat = new WeChat(server);
  chromium = await launch();
  emulator = await chromium.page();
  await emulator.goto(`${server.emulator}/console/`);
});

afterAll(async () => {
  await chromium?.browser.close();
  await server?.stop();
});

/** The number as the service shows it: 138****1234. */
const masked = (n: string): string => `${n.slice(0, 3)}****${n.slice(-4)}`;

describe('手机号 / Phone', () => {
  it('the button’s code, pasted into the service, gives the user’s number; the code is used once', async () => {
    const phone = emulator.locator('#phone');
    await phone.getByRole('heading', { name: '手机号快速验证' }).waitFor();
    await phone.locator('input[name=phone-user]').fill('erin');
    await phone.getByRole('button', { name: '点击手机号按钮（getPhoneNumber）', exact: true }).click();
    const code = (await phone.locator('[data-phone-for=erin] [data-testid=phone-code]').textContent()) ?? '';
    expect(code).toMatch(/^[0-9a-f]{16,}$/);
    const number = /换得 (\d+)/.exec((await phone.locator('[data-phone-for=erin]').textContent()) ?? '')?.[1] ?? '';
    expect(number).toMatch(/^1\d{10}$/);
    const row = phone.locator(`[data-testid=phone-codes] tr[data-phone-code="${code}"]`);
    await row.locator('[data-state=unused]').getByText('未使用', { exact: true }).waitFor();
    await emulator.locator('[data-testid=users] tr[data-user=erin] [data-testid=user-phone]').getByText(number, { exact: true }).waitFor();

    // The mini-program hands the code to the service, which asks WeChat for the number.
    const token = await login(server, await wechat.loginCode('erin'));
    const user = await bindPhone(server, token, code);
    expect(user.phone).toBe(masked(number));
    await row.locator('[data-state=used]').getByText('已使用', { exact: true }).waitFor();
    expect(await row.getByTestId('used-at').textContent()).toMatch(/^\d{4}\/\d{1,2}\/\d{1,2} \d{2}:\d{2}:\d{2} 使用$/);
    await expect(bindPhone(server, token, code)).rejects.toThrow(/400 .*invalid_code/);
    expect(await phone.getByTestId('phone-charged').textContent()).toMatch(/^1 次/);
    await shot(emulator, 'emulator-phone-code');
  });

  it('a spent quota gives no code, but the errno the button’s callback gets', async () => {
    const phone = emulator.locator('#phone');
    await phone.locator('input[name=quota]').check();
    await phone.getByRole('button', { name: '点击手机号按钮（getPhoneNumber）', exact: true }).click();
    expect(await phone.getByTestId('phone-refused').textContent()).toContain('errno 1400001');
    expect(await phone.locator('[data-testid=phone-codes] tbody tr').count()).toBe(1);
    await phone.locator('input[name=quota]').uncheck();
  });
});

describe('订阅消息 / Subscribe messages', () => {
  it('the popup’s answers recorded for a user, the service told, a payment: the phone shows the message, and the accept is spent', async () => {
    const sub = emulator.locator('#subscribe');
    // make run's templates: the ones the service sends.
    const paidTemplate = sub.locator('[data-testid=templates] tr[data-template=wxmpPaidTmpl]');
    await paidTemplate.getByText('支付成功通知', { exact: true }).waitFor();
    expect(await paidTemplate.locator('[data-key=character_string1]').textContent()).toContain('订单编号');
    await sub.locator('[data-testid=templates] tr[data-template=wxmpShippedTmpl]').waitFor();

    // The popup on frank's phone: accept the payment's message, reject the shipment's.
    const popup = sub.getByTestId('popup');
    await popup.locator('input[name=sub-user]').fill('frank');
    await popup.locator('select[name=result-wxmpPaidTmpl]').selectOption('accept');
    await popup.locator('select[name=result-wxmpShippedTmpl]').selectOption('reject');
    await popup.getByRole('button', { name: '记录用户的选择', exact: true }).click();
    expect(await popup.getByTestId('popup-answer').textContent()).toContain('"errMsg":"requestSubscribeMessage:ok"');
    const paidSub = sub.locator('[data-testid=subscriptions] tr[data-subscriber=frank][data-template=wxmpPaidTmpl]');
    await paidSub.getByTestId('left').getByText('1', { exact: true }).waitFor();
    await paidSub.locator('[data-state=can_send]').waitFor();
    expect(await paidSub.locator('[data-state=accept]').textContent()).toBe('允许');
    const shippedSub = sub.locator('[data-testid=subscriptions] tr[data-subscriber=frank][data-template=wxmpShippedTmpl]');
    expect(await shippedSub.getByTestId('rejected').textContent()).toBe('1');
    await shippedSub.locator('[data-state=refused]').getByText('会得到 43101', { exact: true }).waitFor();

    // The mini-program tells the service; frank buys and pays; the service sends the message.
    const token = await login(server, await wechat.loginCode('frank'));
    const told = await tellSubscriptions(server, token, { wxmpPaidTmpl: 'accept', wxmpShippedTmpl: 'reject' });
    expect(told.items.find((s) => s.template_id === 'wxmpPaidTmpl')?.remaining).toBe(1);
    const order = await placeOrder(server, token);
    await wechat.pay(order.outTradeNo);

    const message = sub.locator('[data-testid=messages] li[data-to=frank][data-template=wxmpPaidTmpl]');
    await message.waitFor({ timeout: 20_000 });
    expect(await message.getByTestId('message-title').textContent()).toBe('支付成功通知');
    expect(await message.locator('[data-key=character_string1]').textContent()).toBe(order.outTradeNo);
    await paidSub.getByTestId('left').getByText('0', { exact: true }).waitFor();
    expect(await paidSub.getByTestId('sent').textContent()).toBe('1');
    await paidSub.locator('[data-state=refused]').waitFor();
    await shot(emulator, 'emulator-subscribe');

    // Whose phone: frank's shows it, another user's does not.
    await sub.locator('select[name=message-user]').selectOption('erin');
    await message.waitFor({ state: 'detached' });
    await sub.locator('select[name=message-user]').selectOption('frank');
    await message.waitFor();
  });

  it('a template added through the form, its keywords checked first', async () => {
    const sub = emulator.locator('#subscribe');
    const form = sub.getByTestId('declare-template');
    await form.locator('summary').click();
    await form.locator('input[name=template-id]').fill('e2eArrivalTmpl');
    await form.locator('input[name=template-title]').fill('到货提醒');
    await form.locator('textarea[name=template-fields]').fill('thing1=商品名称\n到货时间');
    await form.getByText('第 2 行应为 关键词=名称', { exact: true }).waitFor();
    expect(await form.getByRole('button', { name: '添加', exact: true }).isDisabled()).toBe(true);
    await form.locator('textarea[name=template-fields]').fill('thing1=商品名称\ntime2=到货时间\nenum3=状态:已到货|待取件');
    await form.getByRole('button', { name: '添加', exact: true }).click();
    const row = sub.locator('[data-testid=templates] tr[data-template=e2eArrivalTmpl]');
    await row.getByText('到货提醒', { exact: true }).waitFor();
    expect(await row.locator('[data-key=time2]').textContent()).toContain('时间');
    expect(await row.locator('[data-key=enum3]').textContent()).toContain('已到货 | 待取件');
    await sub.getByTestId('popup').locator('select[name=result-e2eArrivalTmpl]').waitFor();
  });

  it('in English', async () => {
    await emulator.getByTestId('lang').click();
    const sub = emulator.locator('#subscribe');
    await sub.getByRole('heading', { name: 'Subscribe messages', exact: true }).waitFor();
    const paidSub = sub.locator('[data-testid=subscriptions] tr[data-subscriber=frank][data-template=wxmpPaidTmpl]');
    expect(await paidSub.locator('[data-state=accept]').textContent()).toBe('Accept');
    expect(await paidSub.locator('[data-state=refused]').textContent()).toBe('answers 43101');
    await emulator.locator('#phone').getByRole('heading', { name: 'Phone number', exact: true }).waitFor();
    expect(await emulator.locator('#phone [data-testid=phone-codes] [data-state=used]').textContent()).toBe('used');
    expect(await emulator.locator('#phone [data-testid=phone-codes] [data-testid=used-at]').textContent()).toMatch(/^used \d/);
    await shot(emulator, 'emulator-subscribe-en');
    await emulator.getByTestId('lang').click();
  });
});
