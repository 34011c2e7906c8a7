import { createContext, useContext } from 'react';
export type Theme = 'light' | 'dark';
export const ThemeContext = createContext<{ theme: Theme; setTheme: (t: Theme) => void }>({ theme: 'light', setTheme: () => {} });
export const useTheme = () => useContext(ThemeContext);
export function savedTheme(): Theme {
  try {
    const t = localStorage.getItem('vigil.theme');
    if (t === 'light' || t === 'dark') return t;
    return window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
  } catch {
    return 'light';
  }
}
