/** Rate-limit state from `429` / `503` responses and `Retry-After`. */

/** Parses `Retry-After` (seconds or an HTTP date) into a delay in ms; default 60 s. */
export function parseRetryAfter(header: string | null | undefined, nowMs: number): number {
  if (!header) return 60_000;
  const s = Number(header);
  if (!isNaN(s)) return Math.max(0, s * 1000);
  const d = Date.parse(header);
  return isNaN(d) ? 60_000 : Math.max(0, d - nowMs);
}

export class RateLimit {
  /** Client time (ms) until which nothing may be sent. */
  until = 0;

  isLimited(nowMs: number): boolean {
    return nowMs < this.until;
  }

  /** Updates the state from a response; returns true when the response was a rate limit. */
  update(status: number, retryAfter: string | null | undefined, nowMs: number): boolean {
    if (status !== 429 && status !== 503) return false;
    this.until = Math.max(this.until, nowMs + parseRetryAfter(retryAfter, nowMs));
    return true;
  }
}
