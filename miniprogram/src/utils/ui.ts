// Three small rules for the wx UI calls, kept in one place:
// - showLoading()/hideLoading(): one loading indicator at a time, never a full-screen
//   mask. Overlapping work shares one indicator, hidden when the last piece ends; every
//   request has a timeout (api/index.ts), so no indicator outlives its request, and
//   double taps are stopped by the page's own state, not by a mask over the screen.
// - toast(): a toast never overwrites another's message. One that arrives while another
//   is on screen waits until that one's time is up; the same message twice is shown once.
// - navigate(): a double tap cannot push the same page twice. While one navigateTo is
//   under way (until its `complete`), further ones are dropped.
// The state lives per `wx` object (a WeakMap), so tests with their own fake get their own;
// time is Date.now and setTimeout, which jest's fake timers drive.
import type { PageWx } from './wx';

interface UiState {
  busy: number;
  toastUntil: number;
  toastTitle: string;
  queue: { title: string; icon: 'success' | 'error' | 'none'; duration: number }[];
  navigating: boolean;
}

declare function setTimeout(fn: () => void, ms: number): unknown;

const states = new WeakMap<object, UiState>();
function stateOf(wx: object): UiState {
  let s = states.get(wx);
  if (!s) {
    s = { busy: 0, toastUntil: 0, toastTitle: '', queue: [], navigating: false };
    states.set(wx, s);
  }
  return s;
}

/** Shows the loading indicator (no mask), unless another piece of work already shows it. */
export function showLoading(wx: Pick<PageWx, 'showLoading'>, title: string): void {
  const s = stateOf(wx);
  if (s.busy++ === 0) wx.showLoading({ title, mask: false });
}

/** Ends one showLoading(); the indicator goes when the last one ends. */
export function hideLoading(wx: Pick<PageWx, 'hideLoading'>): void {
  const s = stateOf(wx);
  if (s.busy === 0) return;
  if (--s.busy === 0) wx.hideLoading();
}

/** Shows a toast now, or after the one on screen (see the top of this file). */
export function toast(wx: Pick<PageWx, 'showToast'>, title: string, icon: 'success' | 'error' | 'none' = 'none', duration = 2000): void {
  const s = stateOf(wx);
  const now = Date.now();
  if (now < s.toastUntil) {
    if (title === s.toastTitle || s.queue.some((t) => t.title === title)) return;
    s.queue.push({ title, icon, duration });
    if (s.queue.length === 1) setTimeout(() => next(wx, s), s.toastUntil - now);
    return;
  }
  show(wx, s, title, icon, duration);
}

function show(wx: Pick<PageWx, 'showToast'>, s: UiState, title: string, icon: 'success' | 'error' | 'none', duration: number): void {
  s.toastTitle = title;
  s.toastUntil = Date.now() + duration;
  wx.showToast({ title, icon, duration });
}

function next(wx: Pick<PageWx, 'showToast'>, s: UiState): void {
  const t = s.queue.shift();
  if (!t) return;
  show(wx, s, t.title, t.icon, t.duration);
  if (s.queue.length > 0) setTimeout(() => next(wx, s), t.duration);
}

/** navigateTo, unless one is already under way. */
export function navigate(wx: Pick<PageWx, 'navigateTo'>, url: string): void {
  const s = stateOf(wx);
  if (s.navigating) return;
  s.navigating = true;
  let done = false;
  const finish = (): void => {
    if (done) return;
    done = true;
    s.navigating = false;
  };
  // `complete` ends it; the timer only guards against a wx that never calls it back.
  setTimeout(finish, 1500);
  wx.navigateTo({ url, complete: finish });
}

/** A page on the stack, as getCurrentPages() gives it. */
export interface StackPage {
  route: string;
  options?: Record<string, string | undefined>;
}

/**
 * Goes to `route` with `query`: back to it when it is the page right below this one with
 * the same query (order detail → pay → 查看订单 returns instead of stacking a second
 * detail), otherwise in place of this page.
 */
export function backOrRedirect(wx: Pick<PageWx, 'navigateBack' | 'redirectTo'>, stack: StackPage[], route: string, query: Record<string, string>): void {
  const below = stack[stack.length - 2];
  const same = below && below.route.replace(/^\//, '') === route.replace(/^\//, '') && Object.keys(query).every((k) => below.options?.[k] === query[k]);
  if (same) wx.navigateBack({ delta: 1 });
  else wx.redirectTo({ url: pageUrlOf(route, query) });
}

/**
 * Leaves a page that cannot show anything (opened without the id it needs): back when
 * there is a page below, else to the catalog tab.
 */
export function leave(wx: Pick<PageWx, 'navigateBack' | 'switchTab'>, stack: StackPage[]): void {
  if (stack.length > 1) wx.navigateBack({ delta: 1 });
  else wx.switchTab({ url: '/pages/home/index' });
}

function pageUrlOf(route: string, query: Record<string, string>): string {
  const path = route.startsWith('/') ? route : `/${route}`;
  const pairs = Object.keys(query).map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(query[k])}`);
  return pairs.length ? `${path}?${pairs.join('&')}` : path;
}
