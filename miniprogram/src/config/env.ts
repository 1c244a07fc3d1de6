// Where this build of the mini-program finds the wxmp API, per WeChat's
// envVersion (wx.getAccountInfoSync().miniProgram.envVersion):
//   develop  the 开发版 in DevTools or on a developer's phone (`make run` on this machine)
//   trial    the 体验版 testers open
//   release  the 正式版 everyone gets
// This file is the one place to change them. Every https host here must be in the
// mini-program's request whitelist (开发管理 → 开发设置 → 服务器域名); WeChat refuses
// others on a phone. A release can never point at this machine (test/api/env.test.ts).

export type EnvVersion = 'develop' | 'trial' | 'release';

export interface Env {
  /** The wxmp API's origin. */
  apiBase: string;
  /**
   * Where `make run` serves the WeChat emulator: only used in DevTools against a local
   * apiBase, to stand in for wx.login and wx.requestPayment (utils/devtools.ts).
   */
  emulatorBase?: string;
}

export const ENVS: Record<EnvVersion, Env> = {
  develop: { apiBase: 'http://localhost:8080', emulatorBase: 'http://127.0.0.1:8081' },
  trial: { apiBase: 'https://trial-api.example.com' },
  release: { apiBase: 'https://api.example.com' },
};

interface AccountWx {
  getAccountInfoSync?: () => { miniProgram?: { envVersion?: string } };
}

/** This build's envVersion; 'release' when WeChat does not say (never a local server by accident). */
export function envVersion(w: AccountWx): EnvVersion {
  let v: string | undefined;
  try {
    v = w.getAccountInfoSync?.()?.miniProgram?.envVersion;
  } catch {
    v = undefined;
  }
  return v === 'develop' || v === 'trial' || v === 'release' ? v : 'release';
}

export function currentEnv(w: AccountWx, envs: Record<EnvVersion, Env> = ENVS): Env {
  return envs[envVersion(w)];
}

const LOCAL_HOST = /^(localhost|127(\.\d+){3}|0\.0\.0\.0|\[::1\]|10(\.\d+){3}|192\.168(\.\d+){2}|172\.(1[6-9]|2\d|3[01])(\.\d+){2})$/i;

/** What is wrong with a set of environments: trial and release must be https and not local. */
export function envProblems(envs: Record<EnvVersion, Env>): string[] {
  const problems: string[] = [];
  for (const name of ['trial', 'release'] as const) {
    const m = /^([a-z]+):\/\/([^/:?#]+|\[[^\]]+\])/i.exec(envs[name].apiBase);
    if (!m) {
      problems.push(`${name}: apiBase ${envs[name].apiBase} is not a URL`);
      continue;
    }
    if (m[1].toLowerCase() !== 'https') problems.push(`${name}: apiBase must be https (WeChat refuses plain http on phones)`);
    if (LOCAL_HOST.test(m[2])) problems.push(`${name}: apiBase ${m[2]} is a local address`);
    if (envs[name].emulatorBase !== undefined) problems.push(`${name}: the emulator is for develop only`);
  }
  return problems;
}
