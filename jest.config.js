/**
 * Two projects. `unit`: the pure suites, run with Node alone (no moto_server, no cfn-lint, no build):
 * `npm run test:unit`. `integration`: suites that start moto_server, run cfn-lint or load the built
 * bundles, named `*.integration.test.ts` (plus test/template/ and test/build/). `npm test` runs both.
 */
const shared = {
  testEnvironment: 'node',
  transform: { '^.+\\.tsx?$': ['@swc/jest', {}] },
};

const INTEGRATION = [
  '<rootDir>/test/**/*.integration.test.ts',
  '<rootDir>/test/template/**/*.test.ts',
  '<rootDir>/test/build/**/*.test.ts',
];

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      testPathIgnorePatterns: [
        '/node_modules/',
        '\\.integration\\.test\\.ts$',
        '/test/template/',
        '/test/build/',
      ],
    },
    {
      ...shared,
      displayName: 'integration',
      testMatch: INTEGRATION,
    },
  ],
  // Integration suites start moto_server; give them room without slowing unit tests. (A global option:
  // Jest ignores testTimeout inside a project.)
  testTimeout: 60000,
  // V8's own coverage: independent of the swc transform, and what `npm test` measures.
  coverageProvider: 'v8',
  // The ports and the model are declarations only: no code of theirs runs, so V8 would count them uncovered.
  collectCoverageFrom: [
    '<rootDir>/lib/**/*.ts',
    '!<rootDir>/lib/config/ports.ts',
    '!<rootDir>/lib/facts/ports.ts',
    '!<rootDir>/lib/facts/layer-ports.ts',
    '!<rootDir>/lib/core/model.ts',
  ],
  coverageReporters: ['text-summary'],
  // Measured by the unit project alone (98.0% statements and lines, 92.8% branches, 98.6% functions): a
  // floor, so that `npm run test:unit -- --coverage` holds it too; `npm test` adds the integration suites.
  coverageThreshold: {
    './lib/': { statements: 97, branches: 92, functions: 98, lines: 97 },
  },
};
