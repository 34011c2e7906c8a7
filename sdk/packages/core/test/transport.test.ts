import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BatchQueue, type Crumbs, type EventStore } from '../src/transport';
import { DropCounter } from '../src/drops';
import type { TransportRequest, TransportResponse, VigilEvent } from '../src/types';

type Reply = TransportResponse | undefined | Error;

function setup(replies: Reply[] = [], opts = {}, store?: EventStore) {
  const sent: Array<TransportRequest & { parsed: { sdk: Record<string, unknown>; context: unknown; events: VigilEvent[] } }> = [];
  const drops = new DropCounter();
  let offset = 0;
  const q = new BatchQueue(
    {
      send: (req) => {
        sent.push({ ...req, parsed: JSON.parse(req.body) });
        const r = replies.length ? replies.shift() : ok(204);
        return r instanceof Error ? Promise.reject(r) : Promise.resolve(r);
      },
      drops,
      header: () => ({ sdk: { name: 'test', version: '0' }, context: { sid: 's1' } }),
      clockOffset: () => offset,
      store,
    },
    opts,
  );
  if (store) q.setStore(store);
  return { q, sent, drops, setOffset: (o: number) => (offset = o) };
}

function ok(status: number, h: Record<string, string> = {}, body?: string): TransportResponse {
  return { status, headers: { get: (n) => h[n] ?? null }, text: body === undefined ? undefined : () => Promise.resolve(body) };
}

let n = 0;
const ev = (type: VigilEvent['type'] = 'custom', extra: Partial<VigilEvent> = {}): VigilEvent => ({ type, ts: 1_700_000_000_000, id: `id_${++n}_xxxxxx`, name: 'e', ...extra });

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('BatchQueue', () => {
  it('flushes after flushInterval', async () => {
    const { q, sent } = setup([], { flushInterval: 5000 });
    q.add(ev());
    q.add(ev());
    await vi.advanceTimersByTimeAsync(4999);
    expect(sent).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.parsed.events).toHaveLength(2);
    expect(sent[0]!.unload).toBe(false);
    expect(sent[0]!.parsed.sdk).toEqual({ name: 'test', version: '0' });
    expect(sent[0]!.parsed.context).toEqual({ sid: 's1' });
  });

  it('sends a full batch in the next task, not in the call that filled it', async () => {
    const { q, sent } = setup([], { maxBatchEvents: 3 });
    q.add(ev());
    q.add(ev());
    q.add(ev());
    expect(sent).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(0);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.parsed.events).toHaveLength(3);
  });

  it('sends a synchronous burst in full requests once it fills the queue, dropping nothing', async () => {
    const { q, sent, drops } = setup([], { maxBatchEvents: 3, maxQueueSize: 9 });
    for (let i = 0; i < 25; i++) q.add(ev());
    // No task boundary: sent at 9 and 18 queued events, in requests of maxBatchEvents.
    expect(sent.map((s) => s.parsed.events.length)).toEqual([3, 3, 3, 3, 3, 3]);
    await vi.advanceTimersByTimeAsync(0);
    expect(sent.map((s) => s.parsed.events.length)).toEqual([3, 3, 3, 3, 3, 3, 3, 3, 1]);
    expect(drops.peek()).toEqual({});
  });

  it('sends errors within 1 s', async () => {
    const { q, sent } = setup([], { flushInterval: 5000 });
    q.add(ev());
    await vi.advanceTimersByTimeAsync(300);
    q.add(ev('error', { name: 'js', message: 'x' }));
    await vi.advanceTimersByTimeAsync(999);
    expect(sent).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.parsed.events.map((e) => e.type)).toEqual(['custom', 'error']);
  });

  it('applies the clock offset at send time without changing queued events', async () => {
    const { q, sent, setOffset } = setup([new Error('offline')]);
    const e = ev();
    q.add(e);
    setOffset(1234);
    await q.flush();
    expect(sent[0]!.parsed.events[0]!.ts).toBe(1_700_000_001_234);
    expect(e.ts).toBe(1_700_000_000_000);
    setOffset(-10);
    await vi.advanceTimersByTimeAsync(1000); // backoff retry
    expect(sent[1]!.parsed.events[0]!.ts).toBe(1_699_999_999_990);
  });

  it('splits batches so each body fits maxBatchBytes', async () => {
    const { q, sent } = setup([], { maxBatchBytes: 2000, maxBatchEvents: 1000 });
    for (let i = 0; i < 30; i++) q.add(ev('custom', { props: { pad: 'é'.repeat(100) } }));
    await q.flush();
    expect(sent.length).toBeGreaterThan(1);
    let total = 0;
    for (const s of sent) {
      expect(s.bytes).toBe(Buffer.byteLength(s.body));
      expect(s.bytes).toBeLessThanOrEqual(2000);
      total += s.parsed.events.length;
    }
    expect(total).toBe(30);
  });

  it('sends pre-serialized breadcrumbs as given and counts their bytes exactly', async () => {
    const json = '[{"category":"click","message":"Kaufen €"},{"category":"route","message":"/café"}]';
    const crumbs = (): Crumbs => Object.assign([{ category: 'stale object', message: 'not sent' }], { _json: [json, Buffer.byteLength(json)] as [string, number] });
    const { q, sent } = setup([], { maxBatchBytes: 700, maxBatchEvents: 1000 });
    for (let i = 0; i < 12; i++) q.add(ev('error', { name: 'js', message: `ü ${i}`, breadcrumbs: crumbs() }));
    q.add(ev('error', { name: 'js', message: 'plain', breadcrumbs: [{ category: 'custom', message: 'as objects' }] }));
    await q.flush();
    expect(sent.length).toBeGreaterThan(1);
    const events = sent.flatMap((s) => s.parsed.events);
    expect(events).toHaveLength(13);
    for (const e of events.slice(0, 12)) expect(e.breadcrumbs).toEqual(JSON.parse(json));
    expect(events[12]!.breadcrumbs).toEqual([{ category: 'custom', message: 'as objects' }]);
    for (const s of sent) {
      expect(s.bytes).toBe(Buffer.byteLength(s.body));
      expect(s.bytes).toBeLessThanOrEqual(700);
    }
  });

  it('never puts more than maxBatchEvents events in one request (a retried backlog too)', async () => {
    const { q, sent } = setup([ok(429, { 'Retry-After': '1' }), ok(429, { 'Retry-After': '1' })], { maxBatchEvents: 2 });
    for (let i = 0; i < 4; i++) q.add(ev());
    await vi.advanceTimersByTimeAsync(1000);
    expect(sent.map((s) => s.parsed.events.length)).toEqual([2, 2, 2, 2]);
  });

  it('drops over maxQueueSize and reports the count in sdk.drops', async () => {
    const { q, sent, drops } = setup([], { maxQueueSize: 2, maxBatchEvents: 100 });
    q.add(ev());
    q.add(ev());
    q.add(ev());
    expect(drops.peek()).toEqual({ queue_overflow: 1 });
    await q.flush();
    expect(sent[0]!.parsed.sdk.drops).toEqual({ queue_overflow: 1 });
    q.add(ev());
    await q.flush();
    expect(sent[1]!.parsed.sdk.drops).toBeUndefined();
  });

  it('reports drop counts in the first request of a flush only', async () => {
    const { q, sent, drops } = setup([], { maxBatchEvents: 2 });
    drops.record('deduplicated', 3);
    for (let i = 0; i < 5; i++) q.add(ev());
    await q.flush();
    expect(sent.map((s) => s.parsed.sdk.drops)).toEqual([{ deduplicated: 3 }, undefined, undefined]);
    for (const s of sent) expect(s.bytes).toBe(Buffer.byteLength(s.body));
  });

  it('honours 429 Retry-After and retries the same events', async () => {
    const { q, sent } = setup([ok(429, { 'Retry-After': '3' })]);
    const e = ev();
    q.add(e);
    expect(await q.flush()).toBe(false);
    expect(await q.flush()).toBe(false); // still limited: nothing sent
    expect(sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(2999);
    expect(sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent).toHaveLength(2);
    expect(sent[1]!.parsed.events[0]!.id).toBe(e.id);
  });

  it('honours 503 Retry-After', async () => {
    const { q, sent } = setup([ok(503, { 'Retry-After': '1' })]);
    q.add(ev());
    await q.flush();
    await vi.advanceTimersByTimeAsync(1000);
    expect(sent).toHaveLength(2);
  });

  it('backs off exponentially on network errors and gives up after 5 attempts', async () => {
    const err = new Error('down');
    const { q, sent, drops } = setup([err, err, err, err, err]);
    q.add(ev());
    await q.flush();
    const times: number[] = [];
    for (let t = 0; t < 40_000; t += 100) {
      const before = sent.length;
      await vi.advanceTimersByTimeAsync(100);
      if (sent.length > before) times.push(t + 100);
    }
    expect(sent).toHaveLength(5);
    expect(times).toEqual([1000, 3000, 7000, 15000]);
    expect(drops.peek()).toEqual({ network_error: 1 });
  });

  it('does not retry 4xx and counts the loss', async () => {
    const { q, sent, drops } = setup([ok(400)]);
    q.add(ev());
    q.add(ev());
    expect(await q.flush()).toBe(false);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sent).toHaveLength(1);
    expect(drops.peek()).toEqual({ send_error: 2 });
  });

  it('restores drop counts when the batch carrying them fails', async () => {
    const { q, sent } = setup([ok(400), ok(204)], { maxQueueSize: 1 });
    q.add(ev());
    q.add(ev()); // dropped
    await q.flush();
    expect(sent[0]!.parsed.sdk.drops).toEqual({ queue_overflow: 1 });
    q.add(ev());
    await q.flush();
    expect(sent[1]!.parsed.sdk.drops).toEqual({ queue_overflow: 1, send_error: 1 });
  });

  it('counts per-event rejections of a 200', async () => {
    const { q, drops } = setup([ok(200, {}, '{"accepted":1,"rejected":[{"index":1,"reason":"invalid_field"}]}')]);
    q.add(ev());
    q.add(ev());
    expect(await q.flush()).toBe(true);
    expect(drops.peek()).toEqual({ rejected: 1 });
  });

  it('sends at once, flagged unload, while unloading', async () => {
    const { q, sent } = setup([undefined]);
    q.unloading = true;
    q.add(ev());
    q.add(ev());
    await Promise.resolve();
    expect(sent).toHaveLength(1);
    expect(sent[0]!.unload).toBe(true);
    expect(sent[0]!.parsed.events).toHaveLength(2);
  });

  it('persists unsent events in the offline store and reloads them', async () => {
    let saved: VigilEvent[] = [];
    const store: EventStore = { load: () => saved, save: (e) => (saved = e) };
    const a = setup([new Error('offline')], {}, store);
    const e = ev();
    a.q.add(e);
    await a.q.flush();
    expect(saved.map((x) => x.id)).toEqual([e.id]);
    // next page load
    const b = setup([], {}, store);
    expect(saved).toEqual([]);
    expect(b.q.size).toBe(1);
    await b.q.flush();
    expect(b.sent[0]!.parsed.events[0]!.id).toBe(e.id);
  });

  it('calls beforeFlush so late events join the batch', async () => {
    const sent: string[] = [];
    const q: BatchQueue = new BatchQueue({
      send: (r) => (sent.push(r.body), Promise.resolve(undefined)),
      drops: new DropCounter(),
      header: () => ({ sdk: {}, context: {} }),
      clockOffset: () => 0,
      beforeFlush: (unload) => unload && q.add(ev('vital', { name: 'CLS', value: 0.1 })),
    });
    await q.flush(true);
    expect(JSON.parse(sent[0]!).events[0].name).toBe('CLS');
  });
});
