// Which API a build talks to, by WeChat's envVersion (src/config/env.ts).
import { ENVS, currentEnv, envProblems, envVersion, type Env, type EnvVersion } from '../../src/config/env';

const build = (envVersion: string) => ({ getAccountInfoSync: () => ({ miniProgram: { envVersion } }) });

test('each envVersion gets its own API base', () => {
  expect(currentEnv(build('develop'))).toBe(ENVS.develop);
  expect(currentEnv(build('trial'))).toBe(ENVS.trial);
  expect(currentEnv(build('release'))).toBe(ENVS.release);
});

test('when WeChat does not say, the build is taken for a release (never this machine by accident)', () => {
  expect(envVersion({})).toBe('release');
  expect(envVersion(build('gray'))).toBe('release');
  expect(envVersion({ getAccountInfoSync: () => { throw new Error('not supported'); } })).toBe('release');
});

test('the configured trial and release never point at a local server, and use https', () => {
  expect(envProblems(ENVS)).toEqual([]);
  expect(ENVS.release.apiBase).toMatch(/^https:\/\//);
  expect(ENVS.release.emulatorBase).toBeUndefined();
});

test('a release on localhost, a private address or plain http is refused', () => {
  const with_ = (release: Env): Record<EnvVersion, Env> => ({ ...ENVS, release });
  expect(envProblems(with_({ apiBase: 'http://localhost:8080' }))).toEqual([
    'release: apiBase must be https (WeChat refuses plain http on phones)',
    'release: apiBase localhost is a local address',
  ]);
  expect(envProblems(with_({ apiBase: 'https://127.0.0.1' }))).toEqual(['release: apiBase 127.0.0.1 is a local address']);
  expect(envProblems(with_({ apiBase: 'https://192.168.1.20:8443' }))).toEqual(['release: apiBase 192.168.1.20 is a local address']);
  expect(envProblems(with_({ apiBase: 'https://api.example.com', emulatorBase: 'http://127.0.0.1:8081' }))).toEqual([
    'release: the emulator is for develop only',
  ]);
  expect(envProblems({ ...ENVS, trial: { apiBase: 'not a url' } })).toEqual(['trial: apiBase not a url is not a URL']);
});
