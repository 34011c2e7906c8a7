/**
 * clockIntegration: estimates the offset between the client clock and the server's from each
 * ingest response (`Server-Timing: vigil;desc="<server ms>"`, precise; else `Date`, 1 s precision)
 * and applies it to every event's `ts` when batches are built.
 */
import type { Integration, TransportResponse } from './types';

const ST_RE = /(?:^|,)\s*vigil\s*;[^,]*?desc="?(\d{10,})/;

/**
 * Offset (server − client, ms) and its uncertainty from one response, or undefined when the
 * response carries no usable time.
 */
export function offsetFromResponse(res: TransportResponse, sentAt: number, receivedAt: number): { offset: number; error: number } | undefined {
  const mid = (sentAt + receivedAt) / 2;
  const half = (receivedAt - sentAt) / 2;
  const st = res.headers.get('Server-Timing');
  const m = st ? ST_RE.exec(st) : null;
  if (m) return { offset: Math.round(+m[1]! - mid), error: half };
  const date = res.headers.get('Date');
  const d = date ? Date.parse(date) : NaN;
  if (isNaN(d)) return undefined;
  // Date has 1 s resolution: the true server time lies in [d, d + 1000).
  return { offset: Math.round(d + 500 - mid), error: half + 500 };
}

export function clockIntegration(): Integration {
  return {
    name: 'clock',
    setup(client) {
      let best = Infinity;
      return client.on(
        'response',
        client.guard('clock', (res: TransportResponse, sentAt: number, receivedAt: number) => {
          const est = offsetFromResponse(res, sentAt, receivedAt);
          if (!est) return;
          // A 1 s-resolution Date estimate only matters when the clocks are far apart.
          if (est.error >= 500 && Math.abs(est.offset) < 2000) return;
          // Keep the estimate from the fastest round trip; refresh when the old one is much worse.
          if (est.error <= best * 1.5 || Math.abs(est.offset - client.clockOffset) > 60_000) {
            best = Math.min(best, est.error);
            client.clockOffset = est.offset;
          }
        }),
      );
    },
  };
}
