// How the component tests load the TypeScript components.
//
// miniprogram-simulate reads a component's .json, .wxml and .wxss itself and
// then runs its script with `require(path)`. Inside Jest that is Jest's
// require, so `require('<root>/src/components/x/index')` resolves index.ts
// (moduleFileExtensions include "ts") and ts-jest compiles it: no build step
// and no compiled copies, the tests run the same .ts files WeChat DevTools
// compiles (project.config.json: useCompilerPlugins ["typescript"]).
//
// Details that matter:
// - compiler 'official': the WXML is compiled by WeChat's own wcc (the
//   miniprogram-compiler package ships it for Linux), as DevTools does, not by
//   simulate's JS re-implementation; a template wcc refuses fails here.
// - jest.isolateModules: simulate.load registers a component by running its
//   script (the global Component() call), but Jest caches modules and ignores
//   simulate's `delete require.cache[...]`. A second load in the same test
//   file (product-card loads quantity-stepper again) would get the cached
//   module, never call Component(), and render an empty tag.
// - The test files need the jsdom environment (docblock at their top).
// - miniprogram-simulate's own .d.ts needs lib.dom and an older
//   miniprogram-api-typings, both of which clash with this project's
//   tsconfig, so it is required untyped and described by the small facade
//   below instead.

/** The part of a rendered j-component the tests use. */
export interface SimComponent {
  readonly data: Record<string, any>;
  /** The component's `this` (for a rendered page: its Page options, e.g. to call onShow again). */
  readonly instance: Record<string, any>;
  readonly dom?: SimDom;
  querySelector(selector: string): SimComponent | undefined;
  querySelectorAll(selector: string): SimComponent[];
  setData(data: Record<string, unknown>): void;
  dispatchEvent(name: string, options?: { detail?: unknown }): void;
  addEventListener(name: string, handler: (e: { detail: any }) => void): void;
  attach(parent: unknown): void;
}

interface SimDom {
  textContent: string | null;
  classList: ArrayLike<string>;
}

interface Simulate {
  load(path: string, options?: { compiler?: 'official' | 'simulate'; rootPath?: string }): string;
  load(definition: Record<string, unknown>): string;
  render(id: string, properties?: Record<string, unknown>): SimComponent;
}

// Jest provides both at run time; this tsconfig has neither Node's nor the DOM's types.
declare const __dirname: string;
declare const document: { createElement(tag: string): unknown };

export const simulate: Simulate = require('miniprogram-simulate');

/** The miniprogramRoot (miniprogram/src), which simulate resolves absolute usingComponents against. */
export const ROOT = __dirname.replace(/[\\/]test[\\/]components$/, '/src');

/** Loads `components/<name>/index` (and its usingComponents) and returns its id. */
export function loadComponent(name: string): string {
  let id = '';
  jest.isolateModules(() => {
    id = simulate.load(`${ROOT}/components/${name}/index`, { compiler: 'official', rootPath: ROOT });
  });
  return id;
}

/**
 * Lets simulate's event dispatch run: dispatchEvent() delivers the event in
 * a Promise.then (to mimic WeChat's asynchrony), so a few microtask turns
 * are enough; no timers involved.
 */
export async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

/** Renders and attaches a component, as a page would. */
export function mount(id: string, props?: Record<string, unknown>): SimComponent {
  const comp = simulate.render(id, props);
  comp.attach(document.createElement('parent-wrapper'));
  return comp;
}

function find(comp: SimComponent, selector: string): SimComponent {
  const node = comp.querySelector(selector);
  if (!node) throw new Error(`no ${selector}`);
  return node;
}

/** Text of the first node matching selector inside comp's shadow tree. */
export function text(comp: SimComponent, selector: string): string {
  return (find(comp, selector).dom?.textContent ?? '').trim();
}

/**
 * Whether the node matching selector carries the WXML class. simulate
 * renders classes prefixed with the component's tag ("main--disabled",
 * "quantity-stepper--disabled"), like WeChat's style isolation.
 */
export function hasClass(comp: SimComponent, selector: string, cls: string): boolean {
  const classes = Array.from(find(comp, selector).dom?.classList ?? []);
  return classes.some((c) => c === cls || c.endsWith(`--${cls}`));
}

/** Taps the first node matching selector. */
export function tap(comp: SimComponent, selector: string): void {
  find(comp, selector).dispatchEvent('tap');
}

/** Collects the `detail` of every `name` event the component triggers (what the parent receives). */
export function record<T>(comp: SimComponent, name: string): T[] {
  const seen: T[] = [];
  comp.addEventListener(name, (e) => seen.push(e.detail as T));
  return seen;
}
