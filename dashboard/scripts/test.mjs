// `npm run test:dashboard`: type check, vitest unit/component tests, production build and the
// 300 KB first-load budget. Prints one summary line; exits non-zero when any step fails.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const bin = (n) => join(root, 'node_modules/.bin', n);
const steps = [
  ['typecheck', bin('tsc'), ['-p', 'dashboard/tsconfig.json']],
  ['vitest', bin('vitest'), ['run', '--config', 'dashboard/vite.config.ts']],
  ['build', bin('vite'), ['build', '--config', 'dashboard/vite.config.ts', '--logLevel', 'warn']],
  ['size budget', process.execPath, ['dashboard/scripts/size.mjs']],
];
let passed = 0;
let failed = 0;
for (const [name, cmd, args] of steps) {
  console.log(`\n== dashboard: ${name}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root });
  if (r.status === 0) passed++;
  else {
    failed++;
    console.error(`dashboard step failed: ${name}`);
  }
}
console.log(`\ndashboard: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
