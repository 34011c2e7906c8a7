import { createContext, useContext } from 'react';
import type { Project, User } from './api';

export interface AppState {
  user: User;
  projects: Project[];
  projectsError: Error | null;
  project: Project | null;
  /** Rounded "now" of the current refresh: analytics queries use it for preset ranges. */
  now: number;
  /** Bumps `now` and refetches every page query. */
  refresh: () => void;
  reloadProjects: () => Promise<void>;
  logout: () => void;
}

export const AppContext = createContext<AppState | null>(null);
export function useApp(): AppState {
  const s = useContext(AppContext);
  if (!s) throw new Error('useApp outside AppContext');
  return s;
}
