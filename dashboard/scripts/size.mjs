// First-load budget of the dashboard: the JS that index.html loads before any route or chart
// (its module scripts and modulepreloads), gzipped, must stay within 300 KB. Lazily imported
// chunks (ECharts) do not count. Run after `npm run build:dashboard`.
import { readFileSync, existsSync, readdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const BUDGET = 300 * 1024;
if (!existsSync(join(dist, 'index.html'))) {
  console.error('dashboard/dist/index.html is missing: run npm run build:dashboard');
  process.exit(1);
}
const html = readFileSync(join(dist, 'index.html'), 'utf8');
const urls = new Set();
for (const m of html.matchAll(/<script[^>]*type="module"[^>]*src="([^"]+)"/g)) urls.add(m[1]);
for (const m of html.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="([^"]+)"/g)) urls.add(m[1]);
let first = 0;
for (const u of urls) {
  if (!u.startsWith('/assets/')) {
    console.error(`index.html loads ${u}: assets must be absolute /assets/ URLs`);
    process.exit(1);
  }
  const gz = gzipSync(readFileSync(join(dist, u))).length;
  first += gz;
  console.log(`first load  ${u}  ${(gz / 1024).toFixed(1)} KB gzip`);
}
for (const f of readdirSync(join(dist, 'assets'))) {
  if (f.endsWith('.js') && !urls.has(`/assets/${f}`)) console.log(`lazy        /assets/${f}  ${(gzipSync(readFileSync(join(dist, 'assets', f))).length / 1024).toFixed(1)} KB gzip`);
}
const ok = first <= BUDGET && urls.size > 0;
console.log(`dashboard first-load JS: ${(first / 1024).toFixed(1)} KB gzip (budget ${BUDGET / 1024} KB): ${ok ? 'ok' : 'OVER BUDGET'}`);
process.exit(ok ? 0 : 1);
