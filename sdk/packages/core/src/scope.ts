/** Scope: what every event shares (user, tags, context) and the breadcrumb ring buffer. */
import type { Breadcrumb, User } from './types';

export class Scope {
  user: User | undefined;
  tags: Record<string, string> = {};
  /** Extra context members (uid, sid, viewport, …) set by integrations. */
  context: Record<string, unknown> = {};
  private _crumbs: Breadcrumb[] = [];

  constructor(private _max: number) {}

  /** Adds a breadcrumb, dropping the oldest once `maxBreadcrumbs` are kept. */
  addBreadcrumb(crumb: Breadcrumb): void {
    if (this._crumbs.push(crumb) > this._max) this._crumbs.shift();
  }

  /** Breadcrumbs, oldest first. */
  getBreadcrumbs(): Breadcrumb[] {
    return this._crumbs.slice();
  }

  clearBreadcrumbs(): void {
    this._crumbs = [];
  }
}
