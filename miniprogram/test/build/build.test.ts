// The mini-program through WeChat's own compilers (see ./toolchain.ts): the real
// project builds, and each kind of breakage DevTools would refuse fails here too.
import { readFileSync, rmSync, writeFileSync } from 'fs';
import { join } from 'path';
import { SRC, buildProject, compileWxml, compileWxss, copyProject, filesOf, removeProject } from './toolchain';

// A cold first build (miniprogram-ci forks its compiler, Babel warms up) takes well over
// jest's default 5 s on a busy 2-core machine. (A project-level testTimeout is not applied.)
jest.setTimeout(120_000);

const appJson = JSON.parse(readFileSync(join(SRC, 'app.json'), 'utf8')) as {
  pages: string[];
  requiredPrivateInfos?: string[];
  __usePrivacyCheck__?: boolean;
  tabBar: { list: { pagePath: string }[] };
};

describe('app.json', () => {
  // Since 2022-07-14 WeChat refuses wx.chooseAddress ("the api need to be declared in the
  // requiredPrivateInfos field in app.json") unless app.json declares it.
  test('declares in requiredPrivateInfos every private-info API the code calls', () => {
    const code = filesOf(SRC, '.ts').map((f) => readFileSync(join(SRC, `${f}.ts`), 'utf8')).join('\n');
    for (const api of ['chooseAddress', 'chooseLocation', 'getLocation', 'getFuzzyLocation', 'choosePoi']) {
      if (new RegExp(`\\.${api}\\(`).test(code)) expect(appJson.requiredPrivateInfos ?? []).toContain(api);
    }
    expect(appJson.requiredPrivateInfos).toEqual(['chooseAddress']);
  });

  // 用户隐私保护指引: WeChat holds every privacy API until the user agrees, and asks the app
  // (wx.onNeedPrivacyAuthorization) to show the guide; without a popup on the page the call
  // would fail. So the check is on, and each page that collects user information has one.
  test('turns the privacy check on, and every page that collects user information holds a privacy-guard', () => {
    expect(appJson.__usePrivacyCheck__).toBe(true);
    const collecting: string[] = [];
    for (const page of appJson.pages) {
      const wxml = readFileSync(join(SRC, `${page}.wxml`), 'utf8');
      const dir = page.replace(/\/index$/, '');
      const code = filesOf(join(SRC, dir), '.ts').map((f) => readFileSync(join(SRC, dir, `${f}.ts`), 'utf8')).join('\n');
      const collects = /open-type="(chooseAvatar|getPhoneNumber|getRealtimePhoneNumber)"|type="nickname"/.test(wxml) || /chooseAddress\(/.test(code);
      if (!collects) continue;
      collecting.push(page);
      const json = JSON.parse(readFileSync(join(SRC, `${page}.json`), 'utf8')) as { usingComponents?: Record<string, string> };
      expect(json.usingComponents?.['privacy-guard']).toBe('/components/privacy-guard/index');
      expect(wxml).toMatch(/<privacy-guard\b/);
    }
    expect(collecting).toEqual(['pages/confirm/index', 'pages/me/index']);
  });

  test('我的 is a tab', () => {
    expect(appJson.tabBar.list.map((t) => t.pagePath)).toEqual(['pages/home/index', 'pages/orders/index', 'pages/me/index']);
  });
});

describe('wcc and wcsc', () => {
  test('compile every WXML and WXSS file of the mini-program', () => {
    const wxml = filesOf(SRC, '.wxml');
    expect(wxml).toEqual(expect.arrayContaining(appJson.pages));
    const js = compileWxml(SRC);
    for (const page of wxml) expect(js).toContain(`'${page}.wxml'`);
    const css = compileWxss(SRC);
    expect(Object.keys(css)).toEqual(expect.arrayContaining(['comm', './app.wxss']));
  });

  test('refuse a broken template and a broken style sheet', () => {
    const dir = copyProject();
    try {
      const src = join(dir, 'src');
      writeFileSync(join(src, 'pages/home/index.wxml'), '<view><text>{{title}</text>');
      expect(() => compileWxml(src)).toThrow(/pages\/home\/index\.wxml/);
      writeFileSync(join(src, 'app.wxss'), '.page { color: red; ');
      expect(() => compileWxss(src)).toThrow(/wxss/);
    } finally {
      removeProject(dir);
    }
  });
});

describe('miniprogram-ci, offline', () => {
  test('builds the whole project; the package holds the mini-program and its npm, nothing else', async () => {
    const dir = copyProject();
    try {
      const built = await buildProject(dir);
      const files = Object.keys(built);
      expect(files).toEqual(expect.arrayContaining(['app.js', 'app.json', 'app.wxss', 'miniprogram_npm/@wxmp/wx-client/index.js']));
      for (const c of ['address-card', 'shipment-card', 'product-card', 'quantity-stepper', 'privacy-guard', 'privacy-popup']) {
        expect(files).toEqual(expect.arrayContaining([`components/${c}/index.js`, `components/${c}/index.json`]));
      }
      expect(JSON.parse(String(built['app.json'])).requiredPrivateInfos).toEqual(['chooseAddress']);
      expect(JSON.parse(String(built['app.json'])).__usePrivacyCheck__).toBe(true);
      for (const page of appJson.pages) expect(files).toEqual(expect.arrayContaining([`${page}.js`, `${page}.json`]));
      expect(files.filter((f) => /(^|\/)(test|node_modules)\/|\.test\.|jest|\.ts$|package(-lock)?\.json$/.test(f))).toEqual([]);
    } finally {
      removeProject(dir);
    }
  });

  const breakages: [string, (src: string) => void, RegExp][] = [
    ['app.json that is not JSON', (src) => writeFileSync(join(src, 'app.json'), '{ "pages": ['), /app\.json/],
    [
      'a page in app.json with no files',
      (src) => {
        const app = JSON.parse(readFileSync(join(src, 'app.json'), 'utf8'));
        app.pages.push('pages/ghost/index');
        writeFileSync(join(src, 'app.json'), JSON.stringify(app));
      },
      /pages\/ghost\/index/,
    ],
    ['a page missing its .wxml', (src) => rmSync(join(src, 'pages/orders/index.wxml')), /pages\/orders\/index\.wxml/],
    [
      'usingComponents naming a component that does not exist',
      (src) => {
        const p = join(src, 'pages/home/index.json');
        const json = JSON.parse(readFileSync(p, 'utf8'));
        json.usingComponents = { ...json.usingComponents, 'ghost-card': '/components/ghost/index' };
        writeFileSync(p, JSON.stringify(json));
      },
      /ghost/,
    ],
  ];

  test.each(breakages)('fails the build on %s', async (_, breakIt, message) => {
    const dir = copyProject();
    try {
      breakIt(join(dir, 'src'));
      await expect(buildProject(dir)).rejects.toThrow(message);
    } finally {
      removeProject(dir);
    }
  });
});
