import { afterEach, describe, expect, it, vi } from 'vitest';
import { DSN, mockNetwork } from './helpers';

const net = mockNetwork();
afterEach(() => vi.resetModules());

describe('CDN entry', () => {
  it('replays calls the loader snippet queued, init first', async () => {
    (globalThis as Record<string, unknown>).Vigil = {
      q: [
        ['track', ['queued-before-init']],
        ['setTag', ['plan', 'pro']],
        ['init', [{ dsn: DSN, integrations: [] }]],
        ['nonsense', [1]],
      ],
    };
    const cdn = await import('../src/cdn');
    expect(cdn.getClient()).toBeDefined();
    await cdn.flush();
    expect(net.events().map((e) => e.name)).toEqual(['queued-before-init']);
    expect(net.batches[0]!.context.tags).toEqual({ plan: 'pro' });
    expect(((globalThis as Record<string, unknown>).Vigil as { q: unknown[] }).q).toEqual([]);
    await cdn.close();
  });
});
