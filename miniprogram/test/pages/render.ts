// Renders a page's real WXML with miniprogram-simulate, driven by the page's
// own Page() options: pages/<name>/index.ts runs with stand-ins for the
// mini-program globals, its options become a component definition (template
// = the page's .wxml, data, handlers as methods, onLoad then onShow on
// attach), and its
// usingComponents are the real components. Page-level checks of the
// parent ↔ child wiring: bind:change handlers, data-* on component hosts.
import { FakeWx, opsClient, type Ops } from './fakes';
import { ROOT, SimComponent, loadComponent, mount, simulate } from '../components/load';

const fs: { readFileSync(path: string, encoding: 'utf8'): string } = require('fs');
const g = globalThis as Record<string, unknown>;

type PageOptions = Record<string, unknown> & { data: Record<string, unknown> };

/** The App instance getApp() gives the page: one per render, so globalData is shared like the real one. */
export interface FakeApp {
  globalData: Record<string, any>;
  whenLoggedIn(): Promise<string>;
  logout(): Promise<void>;
  /** How many times logout() was called. */
  logouts: number;
}

/** Renders pages/<name>/index with the given client and query; returns the page, its wx and the app. */
export function renderPage(
  name: string,
  client: Ops,
  query: Record<string, string> = {},
  prepare: (wx: FakeWx) => void = () => undefined,
): { page: SimComponent; wx: FakeWx; app: FakeApp } {
  const wx = new FakeWx();
  prepare(wx);
  g.wx = wx;
  const app: FakeApp = {
    globalData: {},
    whenLoggedIn: () => Promise.resolve('token'),
    logouts: 0,
    logout() {
      this.logouts++;
      return Promise.resolve();
    },
  };
  g.getApp = () => app;
  let options: PageOptions | undefined;
  g.Page = (o: PageOptions) => {
    options = o;
  };
  jest.isolateModules(() => {
    // A fresh registry, so Page() runs again; the page's default client lives in it.
    const api: typeof import('../../src/api/index') = require('../../src/api/index');
    api.setApi({ client: opsClient(client), baseUrl: 'http://api.test', tokens: { get: () => 'token', set() {}, clear() {} }, login: () => Promise.resolve('token'), ensureLogin: () => Promise.resolve('token'), logout: () => Promise.resolve() });
    require(`../../src/pages/${name}/index`);
  });
  if (!options) throw new Error(`pages/${name}/index did not call Page()`);

  const dir = `${ROOT}/pages/${name}`;
  const json = JSON.parse(fs.readFileSync(`${dir}/index.json`, 'utf8')) as { usingComponents?: Record<string, string> };
  const usingComponents: Record<string, string> = {};
  for (const [tag, path] of Object.entries(json.usingComponents ?? {})) {
    usingComponents[tag] = loadComponent(path.replace(/^\/components\//, '').replace(/\/index$/, ''));
  }
  const methods: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) if (typeof value === 'function') methods[key] = value;

  const id = simulate.load({
    template: fs.readFileSync(`${dir}/index.wxml`, 'utf8'),
    usingComponents,
    data: options.data,
    methods,
    lifetimes: {
      attached(this: { onLoad?(q: object): void; onShow?(): void }) {
        this.onLoad?.(query);
        this.onShow?.();
      },
    },
  });
  return { page: mount(id), wx, app };
}

/** Removes the stand-ins renderPage installed. */
export function cleanupPageGlobals(): void {
  delete g.wx;
  delete g.getApp;
  delete g.Page;
}
