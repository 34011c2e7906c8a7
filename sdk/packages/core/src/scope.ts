/** Scope: what every event shares (user, tags, context) and the breadcrumb ring buffer. */
import { byteSize } from './transport';
import type { Breadcrumb, User } from './types';

export class Scope {
  user: User | undefined;
  tags: Record<string, string> = {};
  /** Extra context members (uid, sid, viewport, …) set by integrations. */
  context: Record<string, unknown> = {};
  /** Each breadcrumb with its JSON, once an error has carried it. */
  private _crumbs: Array<[Breadcrumb, string?]> = [];
  /** `_crumbsJson()` of the current buffer (undefined after a change). */
  private _joined: [string, number] | undefined;

  constructor(private _max: number) {}

  /** Adds a breadcrumb, dropping the oldest once `maxBreadcrumbs` are kept. */
  addBreadcrumb(crumb: Breadcrumb): void {
    if (this._crumbs.push([crumb]) > this._max) this._crumbs.shift();
    this._joined = undefined;
  }

  /** Breadcrumbs, oldest first. */
  getBreadcrumbs(): Breadcrumb[] {
    return this._crumbs.map((c) => c[0]);
  }

  /**
   * `getBreadcrumbs()` as a JSON array, with its UTF-8 size. Each breadcrumb is serialized once, the
   * first time an error carries it, so a burst of errors does not serialize the same breadcrumbs
   * again for each one (a breadcrumb object changed after that is sent as it was).
   */
  _crumbsJson(): [json: string, bytes: number] {
    if (!this._joined) {
      const s = '[' + this._crumbs.map((c) => (c[1] ||= JSON.stringify(c[0]))).join() + ']';
      this._joined = [s, byteSize(s)];
    }
    return this._joined;
  }

  clearBreadcrumbs(): void {
    this._crumbs = [];
    this._joined = undefined;
  }
}
