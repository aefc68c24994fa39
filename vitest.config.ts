import { defineConfig } from 'vitest/config';

// Two projects: pure logic runs in parallel with no servers; integration tests share one lab
// (real Temporal + Kubernetes + MetalLB), so they run one file at a time against it.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts', 'test/replay/**/*.test.ts'],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/integration/global-setup.ts'],
          setupFiles: ['test/integration/setup.ts'],
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 3_600_000,
        },
      },
    ],
  },
});
