// Runs the real `wxmp serve` for the end-to-end test: emulator mode, the in-process WeChat
// emulator, and a private PostgreSQL cluster in a fresh directory (no DATABASE_URL), on
// free loopback ports so it never meets a `make run` on :8080.
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'fs';
import { createServer } from 'net';
import { tmpdir } from 'os';
import { join, resolve } from 'path';

export const REPO_ROOT = resolve(__dirname, '..', '..', '..');

const READY_WITHIN_MS = 60_000;
const STOP_WITHIN_MS = 30_000;

export interface Server {
  api: string;
  emulator: string;
  /**
   * The operator API key (/admin/v1) emulator mode mints when OPERATOR_API_KEYS is unset, as
   * `make run` prints it: DATA_DIR/dev-operator.key.
   */
  operatorKey(): string;
  /** Everything the server printed, for failure messages. */
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

/** WXMP_BIN (the Makefile builds bin/wxmp first), or a fresh `go build` into dir. */
function binary(dir: string): string {
  if (process.env.WXMP_BIN) return resolve(process.env.WXMP_BIN);
  const out = join(dir, 'wxmp');
  const built = spawnSync('go', ['build', '-o', out, './app'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 180_000 });
  if (built.status !== 0) throw new Error(`go build failed (set WXMP_BIN to a built wxmp to skip it):\n${built.stderr ?? built.error}`);
  return out;
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((ok) => child.once('exit', () => ok()));
}

function within<T>(ms: number, p: Promise<T>): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((ok) => (timer = setTimeout(() => ok('timeout'), ms)));
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export async function startServer(): Promise<Server> {
  const work = mkdtempSync(join(tmpdir(), 'wxmp-e2e-'));
  // Run as root, the server starts PostgreSQL as the unprivileged `postgres` user, which must
  // be able to reach DATA_DIR; mkdtemp makes it 0700.
  chmodSync(work, 0o755);
  const dataDir = join(work, 'data');
  const bin = binary(work);
  const [apiPort, emuPort] = [await freePort(), await freePort()];

  let log = '';
  const child = spawn(bin, ['serve'], {
    cwd: work,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? work,
      HTTP_ADDR: `127.0.0.1:${apiPort}`,
      EMULATOR_ADDR: `127.0.0.1:${emuPort}`,
      DATA_DIR: dataDir,
      SHUTDOWN_DELAY: '0s',
      WECHAT_MODE: 'emulator',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const append = (chunk: Buffer): void => {
    log = (log + chunk.toString()).slice(-200_000); // keep the tail; enough to diagnose
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const gone = exited(child);

  const server: Server = {
    api: `http://127.0.0.1:${apiPort}`,
    emulator: `http://127.0.0.1:${emuPort}`,
    operatorKey: () => readFileSync(join(dataDir, 'dev-operator.key'), 'utf8').trim(),
    output: () => log,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const stopped = await within(STOP_WITHIN_MS, gone);
      if (stopped === 'timeout') {
        child.kill('SIGKILL');
        await gone;
      }
      rmSync(work, { recursive: true, force: true });
      if (stopped === 'timeout') throw new Error(`wxmp did not stop within ${STOP_WITHIN_MS} ms of SIGTERM:\n${log}`);
      if (child.exitCode !== 0) throw new Error(`wxmp exited ${child.exitCode ?? child.signalCode} after SIGTERM:\n${log}`);
    },
  };

  // Ready is GET /readyz answering 200: the database answers (the cluster takes seconds).
  const deadline = Date.now() + READY_WITHIN_MS;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      rmSync(work, { recursive: true, force: true });
      throw new Error(`wxmp exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${log}`);
    }
    const ok = await fetch(`${server.api}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return server;
    if (Date.now() > deadline) {
      await server.stop().catch(() => undefined);
      throw new Error(`wxmp not ready within ${READY_WITHIN_MS} ms:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
