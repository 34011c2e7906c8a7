import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { close, flush, initWithoutDefaults, track } from '../src/sdk';
import { offlineIntegration } from '../src/integrations/offline';
import { localStorageStore } from '../src/transport';
import { DSN, INGEST, mockNetwork } from './helpers';

const net = mockNetwork();
beforeEach(() => {
  net.reset();
  localStorage.clear();
});
afterEach(async () => {
  await close();
});

describe('offlineIntegration', () => {
  it('keeps events that failed to send and sends them on the next page load', async () => {
    net.fetchMock.mockImplementation((() => Promise.reject(new TypeError('Failed to fetch'))) as never);
    initWithoutDefaults({ dsn: DSN, integrations: [offlineIntegration()] });
    const id = track('while offline');
    expect(await flush()).toBe(false);
    const saved = localStorageStore.load();
    expect(saved.map((e) => e.id)).toEqual([id]);
    await close(1);

    // "next page load", network back
    net.reset();
    initWithoutDefaults({ dsn: DSN, integrations: [offlineIntegration()] });
    expect(localStorage.getItem('_vigil_q')).toBeNull();
    await flush();
    expect(net.requests[0]!.url).toBe(INGEST);
    expect(net.events().map((e) => e.id)).toEqual([id]);
  });

  it('keeps at most 200 events and ignores corrupt storage', () => {
    localStorage.setItem('_vigil_q', '{not json');
    expect(localStorageStore.load()).toEqual([]);
    localStorageStore.save(Array.from({ length: 300 }, (_, i) => ({ type: 'custom', ts: i, name: String(i) })));
    const kept = localStorageStore.load();
    expect(kept).toHaveLength(200);
    expect(kept[0]!.name).toBe('100');
    localStorageStore.save([]);
    expect(localStorage.getItem('_vigil_q')).toBeNull();
  });
});
