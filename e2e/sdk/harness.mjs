// Test harness of the SDK end-to-end tests: a real `vigil serve` (fresh data dir, free port), a
// small page server on another port (so ingest is cross-origin, as in production), and headless
// Chromium (the Debian package) driven by playwright-core.
import { spawn, execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import { chromium } from 'playwright-core';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const pagesDir = join(dirname(fileURLToPath(import.meta.url)), 'pages');
const sdkBundle = join(root, 'sdk/packages/browser/dist/vigil.min.js');
const loaderBundle = join(root, 'sdk/packages/browser/dist/loader.min.js');

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function freePort() {
  return new Promise((res, rej) => {
    const s = net.createServer();
    s.unref();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Starts `vigil serve` (with `extraArgs`); returns {url, dsn, projectId, token, stop()}. */
export async function startVigil(extraArgs = []) {
  const bin = resolve(root, process.env.VIGIL_BIN || 'build/bin/vigil');
  if (!existsSync(bin)) throw new Error(`vigil binary not found at ${bin} (build it or set VIGIL_BIN)`);
  const data = mkdtempSync(join(tmpdir(), 'vigil-e2e-data-'));
  const project = JSON.parse(execFileSync(bin, ['project', 'create', '--data', data, '--name', 'sdk-e2e'], { encoding: 'utf8' }).trim().split('\n').pop());
  const token = execFileSync(bin, ['token', 'create', '--data', data, '--name', 'sdk-e2e'], { encoding: 'utf8' }).trim().split('\n').pop().trim();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = spawn(bin, ['serve', '--listen', `127.0.0.1:${port}`, '--data', data, ...extraArgs], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, VIGIL_ADMIN_PASSWORD: 'e2e-password-123' } });
  let log = '';
  proc.stdout.on('data', (d) => (log += d));
  proc.stderr.on('data', (d) => (log += d));
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`vigil serve exited early:\n${log}`);
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.status === 200) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error(`vigil serve not healthy after 15 s:\n${log}`);
    await sleep(50);
  }
  // Headless Chromium's user agent is a bot to the default inbound filters, and the cross-origin
  // "Script error." of the errors scenario is "known noise": the test project keeps both.
  const put = await fetch(`${url}/api/v1/projects/${project.id}/settings`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ filters: { bots: false, known_noise: false } }),
  });
  if (put.status >= 300 && put.status !== 404) throw new Error(`cannot configure the test project: ${put.status} ${await put.text()}`);
  return {
    url,
    projectId: project.id,
    key: project.key,
    dsn: `http://${project.key}@127.0.0.1:${port}/${project.id}`,
    token,
    log: () => log,
    async stop() {
      proc.kill('SIGTERM');
      await Promise.race([new Promise((r) => proc.once('exit', r)), sleep(5000)]);
      if (proc.exitCode === null) proc.kill('SIGKILL');
      rmSync(data, { recursive: true, force: true });
    },
  };
}

/**
 * Serves e2e/sdk/pages. In HTML and JS files, {{DSN}} and {{SCENARIO}} (the `s` query parameter,
 * else the file name) are replaced. Extra routes: /vigil.min.js, /loader.min.js, /status/<code>,
 * /slow?ms=, /cross-origin-error.js. Pages named csp*.html get a strict Content-Security-Policy.
 */
export async function startPages(vigil) {
  const port = await freePort();
  const server = createServer((req, res) => {
    const u = new URL(req.url, `http://127.0.0.1:${port}`);
    const send = (status, type, body, headers = {}) => {
      res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store', ...headers });
      res.end(body);
    };
    if (u.pathname === '/vigil.min.js') return send(200, 'text/javascript', readFileSync(sdkBundle), { 'Access-Control-Allow-Origin': '*' });
    if (u.pathname === '/loader.min.js') return send(200, 'text/javascript', readFileSync(loaderBundle));
    const status = /^\/status\/(\d{3})$/.exec(u.pathname);
    if (status) return send(+status[1], 'application/json', JSON.stringify({ status: +status[1] }), { 'Access-Control-Allow-Origin': '*' });
    if (u.pathname === '/slow') {
      setTimeout(() => send(200, 'text/plain', 'slow', { 'Access-Control-Allow-Origin': '*' }), +(u.searchParams.get('ms') || 500));
      return;
    }
    if (u.pathname === '/cross-origin-error.js') return send(200, 'text/javascript', 'setTimeout(function(){ throw new Error("secret detail from another origin"); }, 0);');
    const file = join(pagesDir, u.pathname === '/' ? 'index.html' : u.pathname.slice(1));
    if (!file.startsWith(pagesDir) || !existsSync(file)) return send(404, 'text/plain', 'not found');
    let body = readFileSync(file, 'utf8');
    const name = u.pathname.split('/').pop().replace(/\.(html|js)$/, '');
    body = body.replaceAll('{{DSN}}', vigil.dsn).replaceAll('{{SCENARIO}}', u.searchParams.get('s') || name).replaceAll('{{VIGIL}}', vigil.url).replaceAll('{{ALT_ORIGIN}}', `http://localhost:${port}`);
    // Cache-Control: no-store keeps a page out of the back/forward cache: not for the bfcache pages.
    const headers = name.startsWith('bfcache') ? { 'Cache-Control': 'no-cache' } : {};
    if (name.startsWith('csp')) {
      headers['Content-Security-Policy'] = `default-src 'none'; script-src 'self'; connect-src 'self' ${vigil.url}; img-src 'self'; style-src 'self'; worker-src 'none'; base-uri 'none'`;
    }
    send(200, file.endsWith('.js') ? 'text/javascript' : 'text/html; charset=utf-8', body, headers);
  });
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${port}`, port, stop: () => new Promise((r) => server.close(r)) };
}

/**
 * Launches Chromium with a fresh profile. `ignoreDefaultArgs`: switches playwright-core adds by default
 * to leave out (it adds `--disable-back-forward-cache`, which the bfcache tests must not have).
 */
export async function launchBrowser({ ignoreDefaultArgs } = {}) {
  const profile = mkdtempSync(join(tmpdir(), 'vigil-e2e-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    ignoreDefaultArgs,
    viewport: { width: 1280, height: 720 },
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Reads events back through the server's read API. */
export async function readEvents(vigil, { type, limit = 1000 } = {}) {
  const q = new URLSearchParams({ limit: String(limit) });
  if (type) q.set('type', type);
  const r = await fetch(`${vigil.url}/api/v1/projects/${vigil.projectId}/events?${q}`, { headers: { Authorization: `Bearer ${vigil.token}` } });
  if (r.status !== 200) throw new Error(`read API answered ${r.status}: ${await r.text()}`);
  return (await r.json()).events;
}

/**
 * Polls the read API until `predicate(events of this scenario)` is true; events of a scenario are
 * those whose release is `e2e-<scenario>`. Throws with what arrived after `timeoutMs`.
 */
export async function waitForEvents(vigil, scenario, predicate, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  let events = [];
  for (;;) {
    events = (await readEvents(vigil)).filter((e) => e.release === `e2e-${scenario}`).reverse();
    if (predicate(events)) return events;
    if (Date.now() > deadline) {
      const summary = events.map((e) => `${e.type}:${e.name}:${e.message || ''}`).join('\n  ');
      throw new Error(`timed out waiting for events of ${scenario}; got ${events.length}:\n  ${summary}`);
    }
    await sleep(100);
  }
}
