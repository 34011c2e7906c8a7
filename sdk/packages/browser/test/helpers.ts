import { vi } from 'vitest';
import type { VigilEvent } from '@vigil/core';

export const DSN = 'http://pk@127.0.0.1:9999/3';
export const INGEST = 'http://127.0.0.1:9999/api/3/events?key=pk';

export interface Batch {
  sdk: Record<string, unknown>;
  context: Record<string, unknown>;
  events: VigilEvent[];
}

/**
 * Call once per test file (the SDK keeps the fetch it found first as its native fetch).
 * Replaces window.fetch (before the SDK saves it as its native fetch) with a mock: ingest posts are
 * recorded and answered 204; other URLs answer per `route` (default 200 "ok").
 */
export function mockNetwork(route: (url: string) => Response | Promise<Response> = () => new Response('ok')) {
  const batches: Batch[] = [];
  const requests: Array<{ url: string; init?: RequestInit }> = [];
  const impl = (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = String(input instanceof Request ? input.url : input);
    if (url === INGEST) {
      requests.push({ url, init });
      batches.push(JSON.parse(String(init!.body)));
      return Promise.resolve(new Response(null, { status: 204 }));
    }
    return Promise.resolve(route(url));
  };
  const fetchMock = vi.fn(impl);
  window.fetch = fetchMock as unknown as typeof fetch;
  const beacons: Batch[] = [];
  Object.defineProperty(navigator, 'sendBeacon', {
    configurable: true,
    value: vi.fn((url: string, body: string) => {
      beacons.push(JSON.parse(body));
      return url === INGEST;
    }),
  });
  return {
    /** Forget recorded traffic and restore the default behaviour (call in beforeEach). */
    reset() {
      batches.length = 0;
      requests.length = 0;
      beacons.length = 0;
      fetchMock.mockImplementation(impl);
    },
    batches,
    requests,
    beacons,
    fetchMock,
    events: (type?: string) => batches.concat(beacons).flatMap((b) => b.events).filter((e) => !type || e.type === type),
  };
}
