// Three kinds of test, each in the environment it needs. `npm test` runs them all;
// `npx jest --selectProjects e2e` runs one kind.
//
// ts-jest compiles each file alone (isolatedModules in the tsconfigs), like WeChat
// DevTools does; type errors are tsc's job (`npm run typecheck`), not jest's.

/** @param {string} tsconfig */
const ts = (tsconfig) => ({ '^.+\\.ts$': ['ts-jest', { tsconfig: `<rootDir>/${tsconfig}` }] });

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    {
      // The client package and the app's API binding against a scripted fake wx; envVersion config.
      displayName: 'api',
      testEnvironment: 'node',
      testMatch: ['<rootDir>/test/api/**/*.test.ts'],
      transform: ts('test/tsconfig.json'),
    },
    {
      // WeChat's own compilers over the whole mini-program: wcc/wcsc (miniprogram-compiler)
      // and miniprogram-ci's offline build, on the real project and on broken copies of it.
      displayName: 'build',
      testEnvironment: 'node',
      testMatch: ['<rootDir>/test/build/**/*.test.ts'],
      transform: ts('test/tsconfig.json'),
    },
    {
      // Components and pages rendered by miniprogram-simulate (j-component), which needs a DOM.
      displayName: 'components',
      testEnvironment: 'jsdom',
      testMatch: ['<rootDir>/test/components/**/*.test.ts', '<rootDir>/test/pages/**/*.test.ts'],
      moduleFileExtensions: ['ts', 'js', 'json'],
      transform: ts('test/tsconfig.json'),
    },
    {
      // The client against the real Go server and its WeChat emulator.
      displayName: 'e2e',
      testEnvironment: 'node',
      testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
      transform: ts('test/e2e/tsconfig.json'),
      // Starting the server can mean building it first (when WXMP_BIN is not set) and an
      // embedded PostgreSQL; the per-step waits inside the tests are bounded separately.
      testTimeout: 240000,
    },
  ],
};
