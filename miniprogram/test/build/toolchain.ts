// WeChat's own toolchain, driven the way DevTools drives it, for the build tests:
// - wcc / wcsc, the WXML and WXSS compilers (miniprogram-compiler ships the Linux builds);
// - miniprogram-ci's getCompiledResult, the whole offline build (TypeScript, app.json,
//   pages, usingComponents, npm), after packNpmManually has packed src/miniprogram_npm.
// miniprogram-ci wants an AppID and a private key even to compile; it would ask WeChat's
// servers for the project's attributes (project.attr) with them. Here the key is a fresh
// throw-away one and attr() is stubbed, so nothing leaves the machine.
import { generateKeyPairSync } from 'crypto';
import { cpSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, relative } from 'path';

/** miniprogram/ (the DevTools project) and miniprogram/src (its miniprogramRoot). */
export const PROJECT = join(__dirname, '..', '..');
export const SRC = join(PROJECT, 'src');

const compiler: { wxmlToJs(root: string): string } = require('miniprogram-compiler');
const wcsc: (root: string, files: string[], opts: object) => Record<string, string> | Error = require('miniprogram-compiler/src/wcsc');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const ci: any = require('miniprogram-ci');

/** Every file under dir with the extension, relative to dir, without it. */
export function filesOf(dir: string, ext: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      if (name === 'node_modules' || name === 'miniprogram_npm') continue;
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith(ext)) out.push(relative(dir, p).slice(0, -ext.length));
    }
  };
  walk(dir);
  return out.sort();
}

/** Compiles every WXML under root with wcc; throws wcc's message on an error. */
export function compileWxml(root: string): string {
  return compiler.wxmlToJs(root);
}

/** Compiles every WXSS under root with wcsc; throws wcsc's message on an error. */
export function compileWxss(root: string): Record<string, string> {
  // miniprogram-compiler's wxssToJs hides wcsc's error (it returns, not throws, it).
  const res = wcsc(root, filesOf(root, '.wxss'), {});
  if (res instanceof Error) throw res;
  return res;
}

/** A copy of the project (project.config.json and src/) to break; removed by the caller. */
export function copyProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'wxmp-mp-'));
  cpSync(join(PROJECT, 'project.config.json'), join(dir, 'project.config.json'));
  cpSync(SRC, join(dir, 'src'), { recursive: true, filter: (p) => !p.includes('miniprogram_npm') });
  return dir;
}

export function removeProject(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * The offline build of the project at dir (a copy from copyProject): packs npm into
 * dir/src/miniprogram_npm from miniprogram/package.json, then compiles. Resolves to the
 * files an upload would hold (path → content).
 */
export async function buildProject(dir: string): Promise<Record<string, string | Buffer>> {
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const keyPath = join(dir, 'throwaway.key');
  writeFileSync(keyPath, privateKey);
  // miniprogram-ci narrates every step on the console; keep it, and show it only on failure.
  const said: string[] = [];
  const saved = { log: console.log, info: console.info, warn: console.warn };
  console.log = console.info = console.warn = (...args: unknown[]) => void said.push(args.map(String).join(' '));
  try {
    await ci.packNpmManually({ packageJsonPath: join(PROJECT, 'package.json'), miniprogramNpmDistDir: join(dir, 'src') });
    const project = new ci.Project({ appid: 'wx0000000000000000', type: 'miniProgram', projectPath: dir, privateKeyPath: keyPath, ignores: [] });
    project.attr = async () => ({ platform: false, appType: 0, isSandbox: false, released: false, setting: {}, gameApp: false });
    return await ci.getCompiledResult({ project, desc: 'make test', setting: { es6: true, minify: false }, onProgressUpdate: () => undefined });
  } catch (err) {
    if (err instanceof Error) err.message += `\n(miniprogram-ci said:\n${said.slice(-20).join('\n')})`;
    throw err;
  } finally {
    Object.assign(console, saved);
    rmSync(keyPath, { force: true });
  }
}
