import { useState, type ReactNode } from 'react';
import { useApp } from './context';
import { useI18n, type Key } from './i18n';
import { globalParams, href, navigate, setParams, useLocation } from './router';
import { useTheme } from './theme';
import { FILTER_KEYS, fromLocalInput, PRESETS, resolveRange, toLocalInput } from './timerange';

const NAV: { path: string; key: Key }[] = [
  { path: '/overview', key: 'nav.overview' },
  { path: '/performance', key: 'nav.performance' },
  { path: '/issues', key: 'nav.issues' },
  { path: '/behaviour', key: 'nav.behaviour' },
  { path: '/api-health', key: 'nav.apiHealth' },
  { path: '/settings', key: 'nav.settings' },
];

/** An in-app link that keeps the project, range and filters. */
export function NavLink({ to, extra, children, className }: { to: string; extra?: Record<string, string | number | null | undefined>; children: ReactNode; className?: string }) {
  const loc = useLocation();
  const target = href(to, globalParams(loc.params, extra));
  return (
    <a
      href={target}
      className={className}
      onClick={(e) => {
        if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        navigate(target);
      }}
    >
      {children}
    </a>
  );
}

export function Layout({ children }: { children: ReactNode }) {
  const { t, lang, setLang } = useI18n();
  const { theme, setTheme } = useTheme();
  const app = useApp();
  const loc = useLocation();
  const section = '/' + (loc.path.split('/')[1] || 'overview');
  return (
    <div className="app">
      <header className="topbar">
        <a
          className="brand"
          href="/overview"
          onClick={(e) => {
            e.preventDefault();
            navigate(href('/overview', globalParams(loc.params)));
          }}
        >
          Vigil
        </a>
        <label className="project-switch">
          <span className="sr-only">{t('common.project')}</span>
          <select
            aria-label={t('common.project')}
            data-testid="project-switcher"
            value={app.project ? String(app.project.id) : ''}
            onChange={(e) => {
              // Another project: keep the page but drop what belongs to the old one (issue id, paging).
              const p = loc.path.startsWith('/issues/') ? '/issues' : loc.path;
              navigate(href(p, globalParams(loc.params, { project: e.target.value })));
            }}
          >
            {!app.project && <option value="">–</option>}
            {app.projects.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
                {p.enabled ? '' : ` (${t('settings.disabled')})`}
              </option>
            ))}
          </select>
        </label>
        <nav className="mainnav">
          {NAV.map((n) => (
            <NavLink key={n.path} to={n.path} className={section === n.path ? 'active' : ''}>
              {t(n.key)}
            </NavLink>
          ))}
        </nav>
        <div className="topbar-right">
          <select aria-label={t('common.language')} data-testid="lang-switch" value={lang} onChange={(e) => setLang(e.target.value as 'en' | 'zh')}>
            <option value="en">English</option>
            <option value="zh">简体中文</option>
          </select>
          <button type="button" className="ghost" data-testid="theme-toggle" title={t('common.theme')} onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')}>
            {theme === 'dark' ? `☀ ${t('common.light')}` : `☾ ${t('common.dark')}`}
          </button>
          <span className="muted user-email">{app.user.email}</span>
          <button type="button" className="ghost" data-testid="logout" onClick={app.logout}>
            {t('common.logout')}
          </button>
        </div>
      </header>
      {section !== '/settings' && <Toolbar />}
      <main className="content">{children}</main>
      <footer className="footer">
        <span>Vigil</span>
        <span data-testid="attribution">
          IP geolocation by DB-IP (
          <a href="https://db-ip.com" target="_blank" rel="noopener noreferrer">
            https://db-ip.com
          </a>
          ), CC BY 4.0
        </span>
      </footer>
    </div>
  );
}

/** Time range presets, custom range, auto-refresh and the active filters. */
function Toolbar() {
  const { t } = useI18n();
  const app = useApp();
  const loc = useLocation();
  const range = resolveRange(loc.params, app.now);
  const [custom, setCustom] = useState<{ from: string; to: string } | null>(null);
  const [editing, setEditing] = useState(false);
  const filters = FILTER_KEYS.filter((k) => loc.params.get(k));
  return (
    <div className="toolbar">
      <div className="range" role="group" aria-label={t('common.range')}>
        {Object.keys(PRESETS).map((p) => (
          <button key={p} type="button" data-testid={`range-${p}`} className={range.preset === p ? 'active' : ''} onClick={() => setParams({ range: p, from: null, to: null })}>
            {p}
          </button>
        ))}
        <button
          type="button"
          data-testid="range-custom"
          className={range.preset === 'custom' ? 'active' : ''}
          onClick={() => setCustom(custom ? null : { from: toLocalInput(range.from), to: toLocalInput(range.to) })}
        >
          {t('common.custom')}
        </button>
      </div>
      {custom && (
        <form
          className="custom-range"
          onSubmit={(e) => {
            e.preventDefault();
            const from = fromLocalInput(custom.from);
            const to = fromLocalInput(custom.to);
            if (Number.isFinite(from) && Number.isFinite(to) && to > from) {
              setParams({ range: 'custom', from, to });
              setCustom(null);
            }
          }}
        >
          <label>
            {t('common.from')} <input type="datetime-local" value={custom.from} onChange={(e) => setCustom({ ...custom, from: e.target.value })} />
          </label>
          <label>
            {t('common.to')} <input type="datetime-local" value={custom.to} onChange={(e) => setCustom({ ...custom, to: e.target.value })} />
          </label>
          <button type="submit">{t('common.apply')}</button>
        </form>
      )}
      <label className="refresh">
        {t('common.autoRefresh')}{' '}
        <select data-testid="auto-refresh" value={loc.params.get('refresh') || '0'} onChange={(e) => setParams({ refresh: e.target.value === '0' ? null : e.target.value })}>
          <option value="0">{t('common.off')}</option>
          <option value="30">30 s</option>
          <option value="60">1 min</option>
          <option value="300">5 min</option>
        </select>
      </label>
      <button type="button" className="ghost" onClick={app.refresh}>
        ⟳ {t('common.refresh')}
      </button>
      <button type="button" className="ghost" data-testid="filters-toggle" aria-expanded={editing} onClick={() => setEditing(!editing)}>
        ⚲ {t('common.filters')}
      </button>
      {editing && (
        <form
          className="filter-form"
          data-testid="filter-form"
          onSubmit={(e) => {
            e.preventDefault();
            const fd = new FormData(e.currentTarget);
            const changes: Record<string, string | null> = {};
            for (const k of FILTER_KEYS) changes[k] = String(fd.get(k) ?? '').trim() || null;
            setParams(changes);
            setEditing(false);
          }}
        >
          {FILTER_KEYS.map((k) => (
            <label key={k}>
              <span className="mono small">{k}</span>
              <input name={k} defaultValue={loc.params.get(k) ?? ''} size={12} />
            </label>
          ))}
          <button type="submit" className="primary">
            {t('common.apply')}
          </button>
        </form>
      )}
      {filters.length > 0 && (
        <div className="active-filters">
          {filters.map((k) => (
            <button key={k} type="button" className="chip" title={t('common.clearFilters')} onClick={() => setParams({ [k]: null })}>
              {k}: {loc.params.get(k)} ✕
            </button>
          ))}
        </div>
      )}
    </div>
  );
}

/** Sets a filter (click on a table row value to narrow every page to it). */
export function FilterLink({ k, v, children }: { k: string; v: string; children?: ReactNode }) {
  if (!v) return <>{children ?? '–'}</>;
  return (
    <button type="button" className="linklike" onClick={() => setParams({ [k]: v })}>
      {children ?? v}
    </button>
  );
}
