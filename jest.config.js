/**
 * One jest run, four projects (`npm test` selects the first three; `npm run test:faults` the fourth):
 *  - unit:        `*.spec.ts` beside the code (no I/O),
 *  - integration: `*.int.spec.ts` against real PostgreSQL, MariaDB, SQLite and Redis,
 *  - e2e:         `*.e2e.spec.ts` starting real processes (built `dist/`) and talking to the router,
 *  - faults:      `faults/*.faults.spec.ts`, the fault suite (processes killed, Redis stopped, …; faults/README.md).
 * Workspace packages resolve to their TypeScript sources so tests never run stale builds
 * (the e2e processes themselves run the built output; `npm test` builds first).
 */
const transform = {
  '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
};
const moduleNameMapper = {
  '^@supergraph/kernel$': '<rootDir>/packages/kernel/src/index.ts',
  '^@supergraph/kernel/domain$': '<rootDir>/packages/kernel/src/domain/index.ts',
  '^@supergraph/contracts$': '<rootDir>/packages/contracts/src/index.ts',
  '^@supergraph/testing$': '<rootDir>/packages/testing/src/index.ts',
  '^@supergraph/schema$': '<rootDir>/schema/src/compose.ts',
  '^@supergraph/stack$': '<rootDir>/packages/stack/src/index.ts',
};
const common = {
  rootDir: __dirname,
  transform,
  moduleNameMapper,
  testEnvironment: 'node',
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  modulePathIgnorePatterns: ['<rootDir>/.*/dist/'],
};
module.exports = {
  reporters: ['default', '<rootDir>/scripts/jest-summary-reporter.cjs'],
  projects: [
    { ...common, displayName: 'unit', testMatch: ['**/*.spec.ts'], testPathIgnorePatterns: [...common.testPathIgnorePatterns, '\\.int\\.spec\\.ts$', '\\.e2e\\.spec\\.ts$', '\\.faults\\.spec\\.ts$'] },
    { ...common, displayName: 'integration', testMatch: ['**/*.int.spec.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['**/*.e2e.spec.ts'] },
    { ...common, displayName: 'faults', testMatch: ['<rootDir>/faults/**/*.faults.spec.ts'] },
  ],
};
