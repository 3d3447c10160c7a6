import {defineConfig} from 'vitest/config'

// Two groups, one after the other: `unit` (components against real Redis/Postgres/HTTP servers,
// files in parallel) and then `e2e` (whole labs booted through the built CLI, one file at a time:
// each boots its own lab, and two on two cores at once would measure each other).
export default defineConfig({
  test: {
    // oclif's runCommand reads stdout: vitest must not intercept console output.
    disableConsoleIntercept: true,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['cli/**/*.test.{ts,tsx}', 'system/**/*.test.{ts,tsx}', 'contracts/**/*.test.ts', 'test/support/**/*.test.{ts,tsx}'],
          fileParallelism: true,
          maxWorkers: 2,
          sequence: {groupOrder: 0},
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/cli/**/*.test.{ts,tsx}', 'test/e2e/**/*.test.{ts,tsx}'],
          fileParallelism: false,
          maxWorkers: 1,
          sequence: {groupOrder: 1},
        },
      },
    ],
  },
})
