/** Drop accounting: every event the SDK does not deliver is counted by reason. */
import type { DropReason } from './types';

export class DropCounter {
  private _counts: Partial<Record<DropReason, number>> = {};
  private _any = false;

  record(reason: DropReason, n = 1): void {
    if (n <= 0) return;
    this._counts[reason] = (this._counts[reason] || 0) + n;
    this._any = true;
  }

  /** Current counts (undefined when nothing was dropped) and resets them. */
  take(): Partial<Record<DropReason, number>> | undefined {
    if (!this._any) return undefined;
    const c = this._counts;
    this._counts = {};
    this._any = false;
    return c;
  }

  /** Puts counts back (their report failed to send). */
  restore(c: Partial<Record<DropReason, number>> | undefined): void {
    if (!c) return;
    for (const k in c) this.record(k as DropReason, c[k as DropReason]);
  }

  peek(): Partial<Record<DropReason, number>> {
    return { ...this._counts };
  }
}
