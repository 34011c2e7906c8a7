// Shared settings of the browser bundles (CDN bundle and the size-budget entries): esbuild bundles
// and minifies, then terser runs a second compression pass (about 5% smaller after gzip).
import { build } from 'esbuild';
import { minify } from 'terser';
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
  ...(process.env.VIGIL_NO_MANGLE ? {} : { mangleProps: /^_[A-Za-z]/ }),
  logLevel: 'warning',
};

/**
 * Bundles one browser entry to a minified IIFE exposing `globalName`. `entry` is a file path, or
 * `{contents}` for source text resolved from packages/browser/src. Returns {code, map}.
 */
export async function bundleBrowser(entry, { globalName = 'Vigil', mapFile } = {}) {
  const input = typeof entry === 'string' ? { entryPoints: [entry] } : { stdin: { contents: entry.contents, resolveDir: join(sdkDir, 'packages/browser/src'), loader: 'ts' } };
  const r = await build({ ...BROWSER_BUNDLE, ...input, globalName, write: false, sourcemap: mapFile ? 'external' : false, outfile: mapFile ? mapFile.replace(/\.map$/, '') : 'out.js' });
  const js = r.outputFiles.find((f) => f.path.endsWith('.js'));
  const esMap = r.outputFiles.find((f) => f.path.endsWith('.map'));
  const out = await minify(js.text, {
    ecma: 2020,
    compress: { passes: 2 },
    mangle: true,
    format: { comments: false },
    sourceMap: mapFile ? { content: esMap.text, url: mapFile.split('/').pop() } : false,
  });
  return { code: out.code, map: out.map };
}
