// Builds the SDK packages: ESM + CJS bundles per package (dependencies external), .d.ts with tsc,
// and the minified CDN bundle sdk/packages/browser/dist/vigil.min.js (global `Vigil`).
// Usage: node sdk/scripts/build.mjs
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { rmSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { bundleBrowser } from './bundle-config.mjs';

const sdk = join(dirname(fileURLToPath(import.meta.url)), '..');
const root = join(sdk, '..');
export const PACKAGES = ['core', 'browser-utils', 'browser'];
async function buildPackage(name) {
  const dir = join(sdk, 'packages', name);
  rmSync(join(dir, 'dist'), { recursive: true, force: true });
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const external = Object.keys(pkg.dependencies || {});
  const common = { entryPoints: [join(dir, 'src/index.ts')], bundle: true, external, target: 'es2019', logLevel: 'warning', sourcemap: true };
  await build({ ...common, format: 'esm', outfile: join(dir, 'dist/esm/index.js') });
  await build({ ...common, format: 'cjs', outfile: join(dir, 'dist/cjs/index.cjs') });
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(dir, 'tsconfig.json')], { stdio: 'inherit' });
}

export async function buildCdn(outfile) {
  const { code, map } = await bundleBrowser(join(sdk, 'packages/browser/src/cdn.ts'), { mapFile: outfile + '.map' });
  writeFileSync(outfile, code);
  writeFileSync(outfile + '.map', map);
}

async function buildLoader(dir) {
  const src = readFileSync(join(sdk, 'packages/browser/src/loader.js'), 'utf8');
  const { transform } = await import('esbuild');
  const out = await transform(src, { minify: true, target: 'es5', loader: 'js' });
  writeFileSync(join(dir, 'dist/loader.min.js'), out.code);
}

const t0 = Date.now();
for (const p of PACKAGES) await buildPackage(p);
const browserDir = join(sdk, 'packages/browser');
mkdirSync(join(browserDir, 'dist'), { recursive: true });
await buildCdn(join(browserDir, 'dist/vigil.min.js'));
await buildLoader(browserDir);
const min = readFileSync(join(browserDir, 'dist/vigil.min.js'));
console.log(`built ${PACKAGES.length} packages + dist/vigil.min.js (${min.length} B min, ${gzipSync(min, { level: 9 }).length} B gzip) in ${Date.now() - t0} ms`);
