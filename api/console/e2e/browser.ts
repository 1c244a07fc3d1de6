// What the browser tests share: Debian's Chromium (driven by playwright-core), the page sizes,
// screenshots, signing in to the operator console, and a page error or CSP violation logged
// whichever test is running.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { REPO_ROOT } from './server';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const SHOTS = join(REPO_ROOT, '.data', 'console-screenshots');
// UPDATE_SCREENSHOTS=1 also refreshes the README's pictures (make console-screenshots).
const README_SHOTS = process.env.UPDATE_SCREENSHOTS === '1' ? join(REPO_ROOT, 'api', 'console', 'screenshots') : '';
export const DESKTOP = { width: 1280, height: 860 };
export const PHONE = { width: 390, height: 844 };

export interface Chromium {
  browser: Browser;
  context: BrowserContext;
  /** A new tab whose page errors and console errors are reported. */
  page(): Promise<Page>;
  /** The same, on a phone: 390×844, a touch screen, the mobile viewport rules. */
  phonePage(): Promise<Page>;
}

function watched(p: Page): Page {
  // A page error or a CSP violation is a bug, whichever test is running.
  p.on('pageerror', (err) => console.error('page error:', err));
  p.on('console', (m) => m.type() === 'error' && console.error('console error:', m.text()));
  return p;
}

/** Chromium at desktop size, in Chinese and China's time zone, as an operator in China sees it. */
export async function launch(): Promise<Chromium> {
  mkdirSync(SHOTS, { recursive: true });
  if (README_SHOTS) mkdirSync(README_SHOTS, { recursive: true });
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  const where = { locale: 'zh-CN', timezoneId: 'Asia/Shanghai' };
  const context = await browser.newContext({ viewport: DESKTOP, ...where });
  let phone: BrowserContext | undefined;
  return {
    browser,
    context,
    async page() {
      return watched(await context.newPage());
    },
    async phonePage() {
      phone ??= await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true, ...where });
      return watched(await phone.newPage());
    },
  };
}

/** The whole page into .data/console-screenshots/name.png; with UPDATE_SCREENSHOTS=1 and a
 * readme name, also its top into api/console/screenshots/readme.png. */
export async function shot(page: Page, name: string, readme?: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  if (README_SHOTS && readme) {
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(README_SHOTS, `${readme}.png`) });
  }
}

/** Signs in to the operator console at api with key; the orders page shows. */
export async function signIn(page: Page, api: string, key: string): Promise<void> {
  await page.goto(`${api}/console/`);
  await page.fill('input[name=key]', key);
  await page.click('button[type=submit]');
  await page.locator('[data-testid=orders]').waitFor();
}
