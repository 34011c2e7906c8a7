// Size budgets of the browser SDK (minified + gzip, level 9), checked in `npm run test:sdk`.
// Each entry is bundled the way a page would use it; exits 1 when one is over budget.
// Usage: node sdk/scripts/size.mjs [--json]
import { measure } from './size-lib.mjs';

export const BUDGETS = [
  {
    name: 'full default browser bundle (dist/vigil.min.js: init + all default integrations + API)',
    entry: "export * from './cdn';",
    limit: 15 * 1024,
  },
  {
    name: 'errors + transport only (initWithoutDefaults + errorsIntegration + API)',
    entry:
      "export { initWithoutDefaults, errorsIntegration, captureException, captureMessage, setUser, setTag, addBreadcrumb, flush } from './index';",
    limit: 7 * 1024,
  },
];

const rows = [];
let failed = 0;
for (const b of BUDGETS) {
  const s = await measure(b.entry);
  const ok = s.gzip <= b.limit;
  if (!ok) failed++;
  rows.push({ ...b, ...s, ok });
}
if (process.argv.includes('--json')) console.log(JSON.stringify(rows.map(({ entry, ...r }) => r)));
else {
  for (const r of rows) {
    console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${(r.gzip / 1024).toFixed(2)} KB gz / ${(r.limit / 1024).toFixed(0)} KB  (${(r.min / 1024).toFixed(1)} KB min)  ${r.name}`);
  }
  console.log(`size: ${rows.length - failed} passed, ${failed} failed`);
}
process.exit(failed ? 1 : 0);
