import { useCallback, useEffect, useMemo, useState } from 'react';
import { ApiError, get, onUnauthorized, post, setCsrfToken, type AuthAnswer, type Project, type User } from './api';
import { AppContext, type AppState } from './context';
import { I18nContext, savedLang, translate, useI18n, type Lang } from './i18n';
import { currentLocation, globalParams, href, navigate, useLocation } from './router';
import { savedTheme, ThemeContext, type Theme } from './theme';
import { Layout } from './Layout';
import { Loading, ErrorState } from './components/ui';
import { LoginPage } from './pages/Login';
import { OverviewPage } from './pages/Overview';
import { PerformancePage } from './pages/Performance';
import { IssuesPage } from './pages/Issues';
import { IssueDetailPage } from './pages/IssueDetail';
import { BehaviourPage } from './pages/Behaviour';
import { ApiHealthPage } from './pages/ApiHealth';
import { SettingsPage } from './pages/Settings';

// Rounded up (never cuts off the newest events), to 10 s so that re-renders reuse the same query.
const roundNow = () => Math.ceil(Date.now() / 10_000) * 10_000;

export function App() {
  const [lang, setLangState] = useState<Lang>(savedLang);
  const [theme, setThemeState] = useState<Theme>(savedTheme);
  const i18n = useMemo(
    () => ({
      lang,
      t: (k: Parameters<typeof translate>[1], v?: Record<string, string | number>) => translate(lang, k, v),
      setLang: (l: Lang) => {
        setLangState(l);
        try {
          localStorage.setItem('vigil.lang', l);
        } catch {
          /* storage blocked */
        }
      },
    }),
    [lang],
  );
  useEffect(() => {
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  }, [lang]);
  const themeCtx = useMemo(
    () => ({
      theme,
      setTheme: (t: Theme) => {
        setThemeState(t);
        try {
          localStorage.setItem('vigil.theme', t);
        } catch {
          /* storage blocked */
        }
      },
    }),
    [theme],
  );
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);

  return (
    <I18nContext.Provider value={i18n}>
      <ThemeContext.Provider value={themeCtx}>
        <Authed />
      </ThemeContext.Provider>
    </I18nContext.Provider>
  );
}

type Auth = { state: 'checking' } | { state: 'out'; error?: Error } | { state: 'in'; user: User };

function Authed() {
  const loc = useLocation();
  const [auth, setAuth] = useState<Auth>({ state: 'checking' });

  useEffect(() => {
    onUnauthorized(() => {
      setCsrfToken('');
      setAuth({ state: 'out' });
    });
    get<AuthAnswer>('/auth/me').then(
      (a) => {
        setCsrfToken(a.csrf_token);
        setAuth({ state: 'in', user: a.user });
      },
      (e: Error) => setAuth({ state: 'out', error: e instanceof ApiError && e.status === 401 ? undefined : e }),
    );
  }, []);

  // Logged out on a page: go to /login and come back afterwards.
  useEffect(() => {
    if (auth.state === 'out' && loc.path !== '/login') {
      const next = loc.path + loc.search;
      navigate(href('/login', { next: next === '/' ? null : next }), { replace: true });
    }
    if (auth.state === 'in' && (loc.path === '/login' || loc.path === '/')) {
      const next = loc.path === '/login' ? loc.params.get('next') : null;
      navigate(next && next.startsWith('/') && !next.startsWith('//') ? next : href('/overview', globalParams(loc.params)), { replace: true });
    }
  }, [auth.state, loc]);

  const onLogin = useCallback((a: AuthAnswer) => {
    setCsrfToken(a.csrf_token);
    setAuth({ state: 'in', user: a.user });
  }, []);

  if (auth.state === 'checking') return <Loading />;
  if (auth.state === 'out') return <LoginPage onLogin={onLogin} initialError={auth.error} />;
  return (
    <Shell
      user={auth.user}
      onLogout={() => {
        post('/auth/logout').finally(() => {
          setCsrfToken('');
          setAuth({ state: 'out' });
          navigate('/login', { replace: true });
        });
      }}
    />
  );
}

function Shell({ user, onLogout }: { user: User; onLogout: () => void }) {
  const loc = useLocation();
  const [projects, setProjects] = useState<Project[] | null>(null);
  const [projectsError, setProjectsError] = useState<Error | null>(null);
  const [now, setNow] = useState(roundNow);

  const reloadProjects = useCallback(async () => {
    try {
      const r = await get<{ projects: Project[] }>('/projects');
      setProjects(r.projects ?? []);
      setProjectsError(null);
    } catch (e) {
      setProjects([]);
      setProjectsError(e as Error);
    }
  }, []);
  useEffect(() => {
    reloadProjects();
  }, [reloadProjects]);

  const pid = loc.params.get('project');
  const project = projects?.find((p) => String(p.id) === pid) ?? null;
  // Put the project in the URL so that the link names it.
  useEffect(() => {
    if (projects && projects.length && !project) {
      const q = new URLSearchParams(currentLocation().params);
      q.set('project', String(projects[0].id));
      navigate(href(currentLocation().path, q), { replace: true });
    }
  }, [projects, project]);

  const refreshSec = Number(loc.params.get('refresh') || 0);
  useEffect(() => {
    if (!refreshSec) return;
    const id = setInterval(() => setNow(roundNow()), Math.max(10, refreshSec) * 1000);
    return () => clearInterval(id);
  }, [refreshSec]);

  const state: AppState = useMemo(
    () => ({ user, projects: projects ?? [], projectsError, project, now, refresh: () => setNow(Date.now() + 1), reloadProjects, logout: onLogout }),
    [user, projects, projectsError, project, now, reloadProjects, onLogout],
  );

  if (!projects) return <Loading />;
  const path = loc.path;
  let page;
  const needsProject = !path.startsWith('/settings');
  if (needsProject && projectsError) page = <ErrorState error={projectsError} onRetry={reloadProjects} />;
  else if (needsProject && !project) page = <NoProject />;
  else if (path.startsWith('/performance')) page = <PerformancePage />;
  else if (/^\/issues\/[^/]+/.test(path)) page = <IssueDetailPage id={decodeURIComponent(path.split('/')[2])} />;
  else if (path.startsWith('/issues')) page = <IssuesPage />;
  else if (path.startsWith('/behaviour')) page = <BehaviourPage />;
  else if (path.startsWith('/api-health')) page = <ApiHealthPage />;
  else if (path.startsWith('/settings')) page = <SettingsPage />;
  else page = <OverviewPage />;

  return (
    <AppContext.Provider value={state}>
      <Layout>{page}</Layout>
    </AppContext.Provider>
  );
}

function NoProject() {
  const { t } = useI18n();
  return <div className="state state-empty">{t('common.noProjects')}</div>;
}
