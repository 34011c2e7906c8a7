// Shared esbuild settings of the browser bundles (CDN bundle and the size-budget entries).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const sdkDir = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Resolve the workspace packages to their sources when bundling for the browser. */
export const SOURCE_ALIAS = {
  '@vigil/core': join(sdkDir, 'packages/core/src/index.ts'),
  '@vigil/browser-utils': join(sdkDir, 'packages/browser-utils/src/index.ts'),
  '@vigil/browser': join(sdkDir, 'packages/browser/src/index.ts'),
};

/**
 * Minified IIFE settings. Class members that start with `_` are internal to the SDK and renamed
 * (mangleProps); no wire field, DOM property or storage key starts with `_` in code.
 */
export const BROWSER_BUNDLE = {
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2020'],
  alias: SOURCE_ALIAS,
  legalComments: 'none',
  mangleProps: /^_[A-Za-z]/,
  logLevel: 'warning',
};
