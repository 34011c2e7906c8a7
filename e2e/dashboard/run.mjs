// `npm run test:e2e:dashboard`: builds the dashboard and the SDK bundle when missing or older than
// their sources, then runs the dashboard end-to-end tests (real `vigil serve`, real SDK, Debian's
// Chromium) with node's test runner. VIGIL_BIN: the server binary (default build/bin/vigil).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}
function run(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const index = join(root, 'dashboard/dist/index.html');
if (!existsSync(index) || statSync(index).mtimeMs < newest(join(root, 'dashboard/src'))) {
  run(join(root, 'node_modules/.bin/vite'), ['build', '--config', 'dashboard/vite.config.ts', '--logLevel', 'warn']);
}
const bundle = join(root, 'sdk/packages/browser/dist/vigil.min.js');
const sdkSources = Math.max(...['core', 'browser-utils', 'browser'].map((p) => newest(join(root, 'sdk/packages', p, 'src'))));
if (!existsSync(bundle) || statSync(bundle).mtimeMs < sdkSources) run(process.execPath, [join(root, 'sdk/scripts/build.mjs')]);

const files = process.argv.slice(2).length ? process.argv.slice(2) : [join(root, 'e2e/dashboard/dashboard.e2e.test.mjs')];
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', '--test-reporter=spec', ...files], { stdio: 'inherit', cwd: root });
process.exit(r.status ?? 1);
