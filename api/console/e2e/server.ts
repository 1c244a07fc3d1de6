// Starts the real `wxmp serve` for the browser tests: emulator mode, the in-process WeChat
// emulator (which serves its console), a private PostgreSQL cluster in a fresh directory, free
// loopback ports, and an operator key minted by `wxmp operator-key` for this run only.
// Like miniprogram/test/e2e/server.ts, which it follows.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '..', '..', '..');
const READY_WITHIN_MS = 60_000;
const STOP_WITHIN_MS = 30_000;

export interface Server {
  api: string;
  emulator: string;
  operatorKey: string;
  output(): string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => ok(port));
    });
  });
}

/** WXMP_BIN (console.mk builds bin/wxmp after the consoles), else a fresh `go build`: the
 * consoles are embedded, so an older binary would serve older pages. */
function binary(dir: string): string {
  if (process.env.WXMP_BIN) return resolve(process.env.WXMP_BIN);
  const out = join(dir, 'wxmp');
  const r = spawnSync('go', ['build', '-o', out, './app'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 180_000 });
  if (r.status !== 0) throw new Error(`go build failed:\n${r.stderr ?? r.error}`);
  return out;
}

function mintOperatorKey(bin: string): { key: string; entry: string } {
  const r = spawnSync(bin, ['operator-key', 'console-e2e'], { encoding: 'utf8' });
  const key = /wxop_\S+/.exec(r.stdout)?.[0];
  const entry = /console-e2e:[0-9a-f]{64}/.exec(r.stdout)?.[0];
  if (r.status !== 0 || !key || !entry) throw new Error(`wxmp operator-key failed:\n${r.stdout}${r.stderr}`);
  return { key, entry };
}

export async function startServer(): Promise<Server> {
  const work = mkdtempSync(join(tmpdir(), 'wxmp-console-'));
  // As root, PostgreSQL runs as `postgres`, which must reach DATA_DIR: made here, searchable,
  // before wxmp makes it private (the emulator's key file creates it 0700).
  const data = join(work, 'data');
  mkdirSync(data);
  chmodSync(work, 0o755);
  chmodSync(data, 0o755);
  const bin = binary(work);
  const { key, entry } = mintOperatorKey(bin);
  const [apiPort, emuPort] = [await freePort(), await freePort()];
  let log = '';
  const child: ChildProcess = spawn(bin, ['serve'], {
    cwd: work,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? work,
      HTTP_ADDR: `127.0.0.1:${apiPort}`,
      PUBLIC_URL: `http://127.0.0.1:${apiPort}`,
      EMULATOR_ADDR: `127.0.0.1:${emuPort}`,
      DATA_DIR: data,
      SHUTDOWN_DELAY: '0s',
      WECHAT_MODE: 'emulator',
      OPERATOR_API_KEYS: entry,
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const append = (chunk: Buffer): void => void (log = (log + chunk.toString()).slice(-200_000));
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const gone = new Promise<void>((ok) => child.once('exit', () => ok()));
  const running = (): boolean => child.exitCode === null && child.signalCode === null;

  const server: Server = {
    api: `http://127.0.0.1:${apiPort}`,
    emulator: `http://127.0.0.1:${emuPort}`,
    operatorKey: key,
    output: () => log,
    async stop() {
      if (running()) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_WITHIN_MS);
      await gone;
      clearTimeout(timer);
      rmSync(work, { recursive: true, force: true });
    },
  };
  const deadline = Date.now() + READY_WITHIN_MS;
  for (;;) {
    if (!running()) {
      rmSync(work, { recursive: true, force: true });
      throw new Error(`wxmp exited before it was ready:\n${log}`);
    }
    const ok = await fetch(`${server.api}/readyz`).then((r) => r.status === 200, () => false);
    if (ok) return server;
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`wxmp not ready within ${READY_WITHIN_MS} ms:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
