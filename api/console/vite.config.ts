// One npm project, two apps: `vite build --mode operator` and `--mode emulator` each build
// src/<mode>/index.html into dist/<mode>/, which api/console/console.go embeds. Both are served
// at /console/ (the operator's by wxmp, the emulator's by the WeChat emulator).
// Output names carry content hashes only, so identical sources give identical files
// (`make test` rebuilds and compares with git).
import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

const apps = ['operator', 'emulator'];

export default defineConfig(({ mode }) => {
  const app = apps.includes(mode) ? mode : 'operator';
  return {
    root: resolve(import.meta.dirname, 'src', app),
    base: '/console/',
    publicDir: false,
    oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
    build: {
      outDir: resolve(import.meta.dirname, 'dist', app),
      emptyOutDir: true,
      target: 'es2022',
      sourcemap: false,
      // Nothing inlined as data: URLs, and no inline scripts: the pages run under a strict CSP.
      assetsInlineLimit: 0,
      reportCompressedSize: false,
    },
    test: {
      root: import.meta.dirname,
      projects: [
        { extends: true, test: { name: 'unit', include: ['src/**/*.test.ts'], environment: 'node' } },
        {
          extends: true,
          test: {
            name: 'e2e',
            include: ['e2e/**/*.e2e.test.ts'],
            environment: 'node',
            testTimeout: 60_000,
            hookTimeout: 90_000,
            fileParallelism: false,
          },
        },
      ],
    },
  };
});
