// Vite build of the dashboard: `npm run build:dashboard` writes dashboard/dist (index.html and
// hashed files under /assets/), which `vigil serve` serves at `/`. JSX is compiled by esbuild
// (no React plugin needed). `npm run dev:dashboard` proxies /api to VIGIL_URL.
import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/',
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2020',
    sourcemap: false,
    chunkSizeWarningLimit: 800,
  },
  server: {
    proxy: { '/api': process.env.VIGIL_URL || 'http://127.0.0.1:8080' },
  },
  test: {
    environment: 'happy-dom',
    include: ['tests/**/*.test.{ts,tsx}'],
    root,
  },
});
