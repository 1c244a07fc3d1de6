/**
 * @jest-environment jsdom
 */
// The privacy guide (用户隐私保护指引): privacy-guard (the parent, which talks to WeChat) and
// privacy-popup (the child, what the user sees). WeChat holds a privacy call and asks through
// wx.onNeedPrivacyAuthorization; the popup shows (properties down); the user's agree or refuse
// comes up and is WeChat's answer.
import type { PrivacyListener, PrivacyResolution } from '../../src/utils/privacy';
import { ROOT, SimComponent, flush, loadComponent, mount, record, tap, text } from './load';

/** The privacy part of wx, as WeChat plays it. */
class PrivacyFakeWx {
  listeners: PrivacyListener[] = [];
  contractsOpened = 0;
  readonly cannotUse = new Set<string>();
  contractName = '《wxmp 小程序隐私保护指引》';
  canIUse(schema: string): boolean {
    return !this.cannotUse.has(schema);
  }
  onNeedPrivacyAuthorization(listener: PrivacyListener): void {
    this.listeners.push(listener);
  }
  openPrivacyContract(o: { success?: () => void }): void {
    this.contractsOpened++;
    o.success?.();
  }
  getPrivacySetting(o: { success?: (r: { needAuthorization: boolean; privacyContractName: string }) => void }): void {
    o.success?.({ needAuthorization: true, privacyContractName: this.contractName });
  }
  /** WeChat holding a call from `referrer`: what the app answers. */
  need(referrer: string): PrivacyResolution[] {
    const answers: PrivacyResolution[] = [];
    const listener = this.listeners[this.listeners.length - 1];
    listener((r) => answers.push(r), { referrer });
    return answers;
  }
}

const fs: { readFileSync(path: string, encoding: 'utf8'): string } = require('fs');
const WXML = fs.readFileSync(`${ROOT}/components/privacy-popup/index.wxml`, 'utf8');

const g = globalThis as Record<string, unknown>;
let guardId: string;
let popupId: string;

beforeAll(() => {
  g.wx = new PrivacyFakeWx(); // the components read the global at attach time; each test sets its own
  guardId = loadComponent('privacy-guard');
  popupId = loadComponent('privacy-popup');
});

afterAll(() => {
  delete g.wx;
});

function setup(): { wx: PrivacyFakeWx; guard: SimComponent } {
  const wx = new PrivacyFakeWx();
  g.wx = wx;
  const guard = mount(guardId);
  return { wx, guard };
}

function popupOf(guard: SimComponent): SimComponent {
  const popup = guard.querySelector('.popup');
  if (!popup) throw new Error('no privacy-popup in the guard');
  return popup;
}

describe('privacy-popup (the child)', () => {
  test('hidden until told; shows the guide by name and what it is for', () => {
    const popup = mount(popupId, { show: false });
    expect(popup.querySelector('.dialog')).toBeUndefined();
    popup.setData({ show: true, contractName: '《某某隐私保护指引》', purpose: '验证手机号' });
    expect(text(popup, '.contract')).toBe('《某某隐私保护指引》');
    expect(text(popup, '.body')).toContain('验证手机号需要你的信息');
  });

  test('the agree button is WeChat\'s agreePrivacyAuthorization button, and its event goes up with its id', async () => {
    const popup = mount(popupId, { show: true });
    const agrees = record<{ buttonId: string }>(popup, 'agree');
    const button = popup.querySelector('.agree')!;
    // WeChat only counts a tap on <button open-type="agreePrivacyAuthorization"> with that id.
    expect(WXML).toMatch(/<button id="\{\{agreeId\}\}"[^>]*open-type="agreePrivacyAuthorization"[^>]*bindagreeprivacyauthorization="onAgree"/);
    button.dispatchEvent('agreeprivacyauthorization');
    await flush();
    expect(agrees).toEqual([{ buttonId: 'privacy-agree' }]);
  });

  test('拒绝 and the guide name go up; hidden, it says nothing', async () => {
    const popup = mount(popupId, { show: true });
    const refusals = record<object>(popup, 'refuse');
    const contracts = record<object>(popup, 'contract');
    tap(popup, '.contract');
    tap(popup, '.refuse');
    await flush();
    expect(contracts).toEqual([{}]);
    expect(refusals).toEqual([{}]);
  });
});

describe('privacy-guard (the parent) with WeChat', () => {
  test('registers one listener; nothing shows until WeChat holds a call', () => {
    const { wx, guard } = setup();
    expect(wx.listeners).toHaveLength(1);
    expect(popupOf(guard).querySelector('.dialog')).toBeUndefined();
    mount(guardId); // a second page's guard: still one listener (WeChat keeps only one)
    expect(wx.listeners).toHaveLength(1);
  });

  test('need → the popup shows (down), 同意 (up) → WeChat is told agree with the button id, the popup closes', async () => {
    const { wx, guard } = setup();
    const agreed = record<{ count: number }>(guard, 'agree');
    const answers = wx.need('button.getPhoneNumber');
    await flush();
    expect(answers).toEqual([{ event: 'exposureAuthorization' }]); // the popup is on screen
    const popup = popupOf(guard);
    expect(text(popup, '.title')).toBe('用户隐私保护提示');
    expect(text(popup, '.contract')).toBe('《wxmp 小程序隐私保护指引》');
    expect(text(popup, '.body')).toContain('验证手机号');

    popup.querySelector('.agree')!.dispatchEvent('agreeprivacyauthorization');
    await flush();
    expect(answers).toEqual([{ event: 'exposureAuthorization' }, { event: 'agree', buttonId: 'privacy-agree' }]);
    expect(agreed).toEqual([{ count: 1 }]);
    expect(popup.querySelector('.dialog')).toBeUndefined();
  });

  test('need → 拒绝 → WeChat is told disagree (the held call fails), the popup closes', async () => {
    const { wx, guard } = setup();
    const refused = record<{ count: number }>(guard, 'refuse');
    const answers = wx.need('button.chooseAvatar');
    await flush();
    expect(text(popupOf(guard), '.body')).toContain('设置头像');
    tap(popupOf(guard), '.refuse');
    await flush();
    expect(answers).toEqual([{ event: 'exposureAuthorization' }, { event: 'disagree' }]);
    expect(refused).toEqual([{ count: 1 }]);
    expect(popupOf(guard).querySelector('.dialog')).toBeUndefined();
  });

  test('two calls held at once share one popup and one answer', async () => {
    const { wx, guard } = setup();
    const first = wx.need('input.type.nickname');
    const second = wx.need('button.chooseAvatar');
    await flush();
    popupOf(guard).querySelector('.agree')!.dispatchEvent('agreeprivacyauthorization');
    await flush();
    expect(first.slice(1)).toEqual([{ event: 'agree', buttonId: 'privacy-agree' }]);
    expect(second.slice(1)).toEqual([{ event: 'agree', buttonId: 'privacy-agree' }]);
  });

  test('the guide\'s name opens the guide (wx.openPrivacyContract)', async () => {
    const { wx, guard } = setup();
    wx.need('chooseAddress');
    await flush();
    tap(popupOf(guard), '.contract');
    await flush();
    expect(wx.contractsOpened).toBe(1);
  });

  test('the page of the guard that showed last gets the popup; a detached page\'s guard never does', async () => {
    const { wx, guard } = setup();
    const other = mount(guardId); // a page opened on top
    wx.need('button.getPhoneNumber');
    await flush();
    expect(popupOf(other).querySelector('.dialog')).toBeDefined();
    expect(popupOf(guard).querySelector('.dialog')).toBeUndefined();
  });

  test('a WeChat without the privacy APIs (canIUse says no): nothing registered, nothing shown', () => {
    const wx = new PrivacyFakeWx();
    wx.cannotUse.add('onNeedPrivacyAuthorization');
    g.wx = wx;
    const guard = mount(guardId);
    expect(wx.listeners).toHaveLength(0);
    expect(popupOf(guard).querySelector('.dialog')).toBeUndefined();
  });
});
