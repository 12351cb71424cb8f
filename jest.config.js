/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.tsx?$': ['@swc/jest', {}] },
  // Integration suites start moto_server; give them room without slowing unit tests.
  testTimeout: 60000,
};
