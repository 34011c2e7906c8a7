/** Scope: what every event shares (user, tags, context) and the breadcrumb ring buffer. */
import type { Breadcrumb, User } from './types';

export class Scope {
  user: User | undefined;
  tags: Record<string, string> = {};
  /** Extra context members (uid, sid, viewport, …) set by integrations. */
  context: Record<string, unknown> = {};
  private _crumbs: Breadcrumb[] = [];
  private _next = 0;

  constructor(private _maxBreadcrumbs: number) {}

  /** Adds a breadcrumb, overwriting the oldest once the buffer is full. */
  addBreadcrumb(crumb: Breadcrumb): void {
    if (this._maxBreadcrumbs <= 0) return;
    if (this._crumbs.length < this._maxBreadcrumbs) this._crumbs.push(crumb);
    else this._crumbs[this._next] = crumb;
    this._next = (this._next + 1) % this._maxBreadcrumbs;
  }

  /** Breadcrumbs, oldest first. */
  getBreadcrumbs(): Breadcrumb[] {
    if (this._crumbs.length < this._maxBreadcrumbs) return this._crumbs.slice();
    return this._crumbs.slice(this._next).concat(this._crumbs.slice(0, this._next));
  }

  clearBreadcrumbs(): void {
    this._crumbs = [];
    this._next = 0;
  }
}
