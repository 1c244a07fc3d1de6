// 用户隐私保护指引 (the privacy guide) in the mini-program, as WeChat wants it since base library
// 2.32.3 with app.json "__usePrivacyCheck__": true:
//
// - A privacy API or component (button open-type chooseAvatar / getPhoneNumber, input
//   type="nickname", wx.chooseAddress…) used before the user agreed to the guide is held
//   pending, and WeChat calls the listener of wx.onNeedPrivacyAuthorization(resolve, {referrer}).
// - The app shows its own popup; the user reads the guide (wx.openPrivacyContract), then either
//   taps a <button id="…" open-type="agreePrivacyAuthorization">, whose
//   bindagreeprivacyauthorization lets the app call resolve({buttonId, event: 'agree'}) (the
//   held call goes on), or refuses: resolve({event: 'disagree'}), and the held call fails with
//   "…:fail privacy permission is not authorized" (errno 104).
//
// WeChat keeps ONE listener, so it is registered once for the app (install, below), and the
// popups of the pages take turns: each page that collects user information holds a
// privacy-guard component (components/privacy-guard), which becomes the active host when its
// page shows. A need arriving while no host is there is refused at once, so the held call
// fails with its own message instead of hanging. Several calls held at once share one popup
// and one answer. A WeChat without these APIs (wx.canIUse says no) has no privacy check to
// pass: nothing is registered.
//
// State lives per wx object (a WeakMap, like utils/ui.ts), so each test's fake wx is its own.

/** What resolve takes: see the top of this file. */
export type PrivacyResolution = { event: 'agree'; buttonId: string } | { event: 'disagree' } | { event: 'exposureAuthorization' };
export type PrivacyResolve = (r: PrivacyResolution) => void;
export type PrivacyListener = (resolve: PrivacyResolve, eventInfo?: { referrer?: string }) => void;

/** The wx this needs. Its own types (miniprogram-api-typings mistypes the listener). */
export interface PrivacyWx {
  canIUse(schema: string): boolean;
  onNeedPrivacyAuthorization?(listener: PrivacyListener): void;
  openPrivacyContract?(option: { success?: () => void; fail?: (err: { errMsg: string }) => void }): void;
  getPrivacySetting?(option: { success?: (res: { needAuthorization: boolean; privacyContractName: string }) => void; fail?: () => void }): void;
}

/** A popup that can be shown for a need (a privacy-guard on a page). */
export interface PrivacyHost {
  open(referrer: string): void;
  close(): void;
}

interface PrivacyState {
  installed: boolean;
  /** Hosts in the order their pages showed; the last one is the active host. */
  hosts: PrivacyHost[];
  /** resolve of every call held until the user answers. */
  pending: PrivacyResolve[];
  /** The host showing the popup now. */
  showing?: PrivacyHost;
}

const states = new WeakMap<object, PrivacyState>();
function stateOf(wx: object): PrivacyState {
  let s = states.get(wx);
  if (!s) {
    s = { installed: false, hosts: [], pending: [] };
    states.set(wx, s);
  }
  return s;
}

/** The id of the agree button (the base library checks that the button with this id was tapped). */
export const AGREE_BUTTON_ID = 'privacy-agree';

/** This WeChat has the privacy APIs (base library 2.32.3). */
export function privacySupported(wx: PrivacyWx): boolean {
  return wx.canIUse('onNeedPrivacyAuthorization') && typeof wx.onNeedPrivacyAuthorization === 'function';
}

/** Registers the one listener for wx (once); false when this WeChat has no privacy APIs. */
export function installPrivacy(wx: PrivacyWx): boolean {
  if (!privacySupported(wx)) return false;
  const s = stateOf(wx);
  if (s.installed) return true;
  s.installed = true;
  wx.onNeedPrivacyAuthorization?.((resolve, info) => {
    const host = s.hosts[s.hosts.length - 1];
    if (!host) {
      // No popup on this page: refuse now rather than leave the call pending forever.
      resolve({ event: 'disagree' });
      return;
    }
    s.pending.push(resolve);
    if (s.showing !== host) {
      s.showing?.close();
      s.showing = host;
      host.open(info?.referrer ?? '');
    }
    // Tell WeChat the popup is on screen (its statistics; optional but recommended).
    resolve({ event: 'exposureAuthorization' });
  });
  return true;
}

/** A guard's page shows (or it attaches): it becomes the host new needs go to. */
export function activateHost(wx: PrivacyWx, host: PrivacyHost): void {
  const s = stateOf(wx);
  s.hosts = s.hosts.filter((h) => h !== host);
  s.hosts.push(host);
}

/** A guard detaches: it never shows again; what it showed is refused. */
export function removeHost(wx: PrivacyWx, host: PrivacyHost): void {
  const s = stateOf(wx);
  s.hosts = s.hosts.filter((h) => h !== host);
  if (s.showing === host) answer(wx, { event: 'disagree' });
}

/** The user tapped the agree button (after its bindagreeprivacyauthorization): every held call goes on. */
export function agreePrivacy(wx: PrivacyWx, buttonId: string = AGREE_BUTTON_ID): number {
  return answer(wx, { event: 'agree', buttonId });
}

/** The user refused: every held call fails with "privacy permission is not authorized". */
export function refusePrivacy(wx: PrivacyWx): number {
  return answer(wx, { event: 'disagree' });
}

/** How many calls wait for the user's answer. */
export function pendingPrivacy(wx: PrivacyWx): number {
  return stateOf(wx).pending.length;
}

function answer(wx: PrivacyWx, r: PrivacyResolution): number {
  const s = stateOf(wx);
  const held = s.pending;
  s.pending = [];
  const showing = s.showing;
  s.showing = undefined;
  showing?.close();
  for (const resolve of held) resolve(r);
  return held.length;
}

/** Opens the guide itself (wx.openPrivacyContract); false when this WeChat cannot. */
export function openPrivacyContract(wx: PrivacyWx): Promise<boolean> {
  const open = wx.openPrivacyContract;
  if (!wx.canIUse('openPrivacyContract') || typeof open !== 'function') return Promise.resolve(false);
  return new Promise((resolve) => open.call(wx, { success: () => resolve(true), fail: () => resolve(false) }));
}

/** The guide's name as the merchant set it in the admin console (《…隐私保护指引》); '' when unknown. */
export function privacyContractName(wx: PrivacyWx): Promise<string> {
  const get = wx.getPrivacySetting;
  if (!wx.canIUse('getPrivacySetting') || typeof get !== 'function') return Promise.resolve('');
  return new Promise((resolve) =>
    get.call(wx, {
      success: (res) => resolve(typeof res?.privacyContractName === 'string' ? res.privacyContractName : ''),
      fail: () => resolve(''),
    }),
  );
}
