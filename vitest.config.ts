import { defineConfig } from 'vitest/config';
import { meshspec } from './harness/plugin/index.js';

export default defineConfig({
  test: {
    // Provider teardown (deleting a kind cluster) outlasts Vitest's 10 s default.
    teardownTimeout: 300_000,
    projects: [
      {
        test: {
          name: 'unit',
          include: ['harness/**/*.test.ts', 'apps/**/*.test.ts', 'test/**/*.test.ts'],
          // Many tests start a whole `meshspec run`, a sim or kubectl: 5-10 s alone, several times
          // that on a busy 2-core machine. A hang still fails, only later.
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // Many unit files start a sim or echo servers and wait on them: more workers than the
          // default (cores - 1) halve the run on 2 cores.
          maxWorkers: 4,
        },
      },
      {
        // Type tests (`*.test-d.ts`): Vitest runs tsc over them and reports each expectTypeOf as a test.
        test: {
          name: 'types',
          typecheck: { enabled: true, only: true, include: ['harness/**/*.test-d.ts', 'test/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
        },
      },
      {
        // Tutorial scenarios; each step's timeout comes from the generated code.
        plugins: [meshspec()],
        test: {
          name: 'specs',
          include: ['specs/**/*.spec.yaml'],
        },
      },
    ],
  },
});
