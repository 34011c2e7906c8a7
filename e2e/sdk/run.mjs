// `npm run test:e2e:sdk`: builds the SDK bundle if it is missing or older than its sources, then
// runs the Chromium end-to-end tests with node's test runner. VIGIL_BIN: the server binary
// (default build/bin/vigil).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './harness.mjs';

function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

const bundle = join(root, 'sdk/packages/browser/dist/vigil.min.js');
const sources = Math.max(...['core', 'browser-utils', 'browser'].map((p) => newest(join(root, 'sdk/packages', p, 'src'))));
if (!existsSync(bundle) || statSync(bundle).mtimeMs < sources) {
  const b = spawnSync(process.execPath, [join(root, 'sdk/scripts/build.mjs')], { stdio: 'inherit' });
  if (b.status !== 0) process.exit(b.status ?? 1);
}
const files = process.argv.slice(2).length ? process.argv.slice(2) : ['sdk', 'ratelimit', 'lifecycle'].map((f) => join(root, `e2e/sdk/${f}.e2e.test.mjs`));
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', '--test-reporter=spec', ...files], { stdio: 'inherit', cwd: root });
process.exit(r.status ?? 1);
