import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const src = (p: string) => fileURLToPath(new URL(`./packages/${p}/src/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: {
      '@vigil/core': src('core'),
      '@vigil/browser-utils': src('browser-utils'),
      '@vigil/browser': src('browser'),
    },
  },
  test: {
    root: fileURLToPath(new URL('.', import.meta.url)),
    include: ['packages/*/test/**/*.test.ts'],
    environment: 'happy-dom',
    pool: 'forks',
    poolOptions: { forks: { singleFork: true } },
    isolate: true,
  },
});
