import { useEffect, useState, type ReactNode } from 'react';
import { del, post, put, type Project, type ProjectSettings, type Token, type User } from '../api';
import { Async, Badge, ErrorState, Panel, Tabs } from '../components/ui';
import { useApp } from '../context';
import { fmtTime } from '../format';
import { useApi } from '../hooks';
import { useI18n } from '../i18n';
import { setParams, useLocation } from '../router';

const TABS = ['projects', 'project', 'tokens', 'account', 'users'] as const;
type Tab = (typeof TABS)[number];

/** Runs an action, showing its error; returns [run, busy, error view]. */
function useAction(): [(fn: () => Promise<unknown>) => Promise<boolean>, boolean, ReactNode] {
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<Error | null>(null);
  const run = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setErr(null);
    try {
      await fn();
      return true;
    } catch (e) {
      setErr(e as Error);
      return false;
    } finally {
      setBusy(false);
    }
  };
  return [run, busy, err ? <ErrorState error={err} /> : null];
}

function ProjectRow({ p }: { p: Project }) {
  const { t } = useI18n();
  const { user, reloadProjects } = useApp();
  const admin = user.role === 'admin';
  const [name, setName] = useState(p.name);
  const [origins, setOrigins] = useState((p.allowed_origins ?? []).join('\n'));
  const [run, busy, errView] = useAction();
  useEffect(() => {
    setName(p.name);
    setOrigins((p.allowed_origins ?? []).join('\n'));
  }, [p]);
  const update = (body: Partial<Project>) => run(() => put(`/projects/${p.id}`, body)).then((ok) => { if (ok) void reloadProjects(); });
  return (
    <Panel
      title={
        <>
          {p.name} <span className="muted">#{p.id}</span> <Badge kind={p.enabled ? 'good' : 'poor'}>{p.enabled ? t('settings.enabled') : t('settings.disabled')}</Badge>
        </>
      }
    >
      <dl className="kv">
        <div>
          <dt>{t('settings.dsn')}</dt>
          <dd>
            <code className="dsn" data-testid={`dsn-${p.id}`}>{p.dsn}</code>
          </dd>
        </div>
        <div>
          <dt>{t('settings.key')}</dt>
          <dd>
            <code>{p.key}</code>
          </dd>
        </div>
        {p.created_at ? (
          <div>
            <dt>created</dt>
            <dd>{fmtTime(p.created_at)}</dd>
          </div>
        ) : null}
      </dl>
      {admin && (
        <div className="form-grid">
          <label>
            {t('common.name')}
            <span className="inline-form">
              <input value={name} onChange={(e) => setName(e.target.value)} />
              <button type="button" disabled={busy || !name || name === p.name} onClick={() => update({ name })}>
                {t('settings.rename')}
              </button>
            </span>
          </label>
          <label>
            {t('settings.allowedOrigins')} <span className="muted small">{t('settings.allowedOriginsHelp')}</span>
            <textarea rows={3} value={origins} onChange={(e) => setOrigins(e.target.value)} />
            <button
              type="button"
              disabled={busy}
              onClick={() =>
                update({
                  allowed_origins: origins
                    .split(/[\n,]/)
                    .map((s) => s.trim())
                    .filter(Boolean),
                })
              }
            >
              {t('common.save')}
            </button>
          </label>
          <div className="button-row">
            <button type="button" disabled={busy} onClick={() => update({ enabled: !p.enabled })}>
              {p.enabled ? t('settings.disable') : t('settings.enable')}
            </button>
            <button type="button" disabled={busy} onClick={() => window.confirm(t('settings.rotateConfirm')) && run(() => post(`/projects/${p.id}/rotate-key`)).then((ok) => { if (ok) void reloadProjects(); })}>
              {t('settings.rotate')}
            </button>
            <button type="button" className="danger" disabled={busy} onClick={() => window.confirm(t('settings.deleteConfirm')) && run(() => del(`/projects/${p.id}`)).then((ok) => { if (ok) void reloadProjects(); })}>
              {t('common.delete')}
            </button>
          </div>
        </div>
      )}
      {errView}
    </Panel>
  );
}

function ProjectsTab() {
  const { t } = useI18n();
  const { projects, projectsError, user, reloadProjects } = useApp();
  const [name, setName] = useState('');
  const [run, busy, errView] = useAction();
  return (
    <>
      {user.role === 'admin' && (
        <Panel title={t('common.create')}>
          <form
            className="inline-form"
            onSubmit={async (e) => {
              e.preventDefault();
              if (await run(() => post('/projects', { name }))) {
                setName('');
                reloadProjects();
              }
            }}
          >
            <input data-testid="new-project" placeholder={t('settings.newProject')} value={name} onChange={(e) => setName(e.target.value)} required />
            <button type="submit" className="primary" disabled={busy}>
              {t('common.create')}
            </button>
          </form>
          {errView}
        </Panel>
      )}
      {projectsError && <ErrorState error={projectsError} onRetry={reloadProjects} />}
      {projects.map((p) => (
        <ProjectRow key={p.id} p={p} />
      ))}
    </>
  );
}

const BOOL_FILTERS = ['browser_extensions', 'known_noise', 'bots', 'localhost', 'legacy_browsers', 'outliers'] as const;
const LIST_FILTERS = ['allowed_domains', 'deny_ips', 'deny_releases', 'deny_environments', 'deny_messages'] as const;

export function SettingsForm({ initial, onSave, readOnly }: { initial: ProjectSettings; onSave: (s: ProjectSettings) => Promise<boolean>; readOnly: boolean }) {
  const { t } = useI18n();
  const [s, setS] = useState<ProjectSettings>(initial);
  const [saved, setSaved] = useState(false);
  useEffect(() => setS(initial), [initial]);
  const f = s.filters ?? ({} as ProjectSettings['filters']);
  const setF = (k: string, v: unknown) => setS({ ...s, filters: { ...f, [k]: v } });
  const q = s.quotas ?? { rate: 0, burst: 0, daily: 0 };
  return (
    <form
      className="settings-form"
      onSubmit={async (e) => {
        e.preventDefault();
        setSaved(await onSave(s));
      }}
    >
      <fieldset disabled={readOnly}>
        <legend>{t('settings.filters')}</legend>
        {BOOL_FILTERS.map((k) => (
          <label key={k} className="check">
            <input type="checkbox" checked={!!f[k]} onChange={(e) => setF(k, e.target.checked)} /> <span className="mono">{k}</span>
          </label>
        ))}
        {LIST_FILTERS.map((k) => (
          <label key={k}>
            <span className="mono">{k}</span>
            <textarea rows={2} value={(f[k] ?? []).join('\n')} onChange={(e) => setF(k, e.target.value.split('\n').map((x) => x.trim()).filter(Boolean))} />
          </label>
        ))}
      </fieldset>
      <fieldset disabled={readOnly}>
        <legend>{t('settings.quotas')}</legend>
        {(['rate', 'burst', 'daily'] as const).map((k) => (
          <label key={k}>
            <span className="mono">{k}</span>
            <input type="number" min={0} value={q[k] ?? 0} onChange={(e) => setS({ ...s, quotas: { ...q, [k]: Number(e.target.value) } })} />
          </label>
        ))}
      </fieldset>
      <fieldset disabled={readOnly}>
        <legend>{t('settings.privacy')}</legend>
        <label className="check">
          <input type="checkbox" checked={!!s.scrub_defaults} onChange={(e) => setS({ ...s, scrub_defaults: e.target.checked })} /> <span className="mono">scrub_defaults</span>
        </label>
        <label>
          <span className="mono">scrub_keys</span>
          <textarea rows={2} value={(s.scrub_keys ?? []).join('\n')} onChange={(e) => setS({ ...s, scrub_keys: e.target.value.split('\n').map((x) => x.trim()).filter(Boolean) })} />
        </label>
        <label>
          <span className="mono">ip_policy</span>
          <select value={s.ip_policy} onChange={(e) => setS({ ...s, ip_policy: e.target.value })}>
            <option value="drop">drop</option>
            <option value="anonymize">anonymize</option>
            <option value="keep">keep</option>
          </select>
        </label>
      </fieldset>
      {!readOnly && (
        <button type="submit" className="primary">
          {t('common.save')}
        </button>
      )}
      {saved && <span className="muted"> {t('common.saved')}</span>}
      {readOnly && <p className="muted">{t('settings.adminOnly')}</p>}
    </form>
  );
}

function ProjectSettingsTab() {
  const { t } = useI18n();
  const { project, user } = useApp();
  const admin = user.role === 'admin';
  const [run, , errView] = useAction();
  const settings = useApi<ProjectSettings>(project ? `/projects/${project.id}/settings` : null);
  const filtered = useApi<{ filtered: Record<string, number>; total: number; days: number }>(project ? `/projects/${project.id}/stats/filtered?days=30` : null);
  const users = useApi<{ users: User[] }>(admin ? '/users' : null);
  const members = useApi<{ user_ids: number[] }>(admin && project ? `/projects/${project.id}/members` : null);
  const [memberIds, setMemberIds] = useState<number[] | null>(null);
  useEffect(() => setMemberIds(members.data?.user_ids ?? null), [members.data]);
  if (!project) return <div className="state state-empty">{t('common.noProjects')}</div>;
  return (
    <>
      <Panel title={`${t('settings.project')}: ${project.name}`}>
        <Async f={settings}>{(s) => <SettingsForm initial={s} readOnly={!admin} onSave={(ns) => run(() => put(`/projects/${project.id}/settings`, ns))} />}</Async>
        {errView}
      </Panel>
      <Panel title={t('settings.filtered')}>
        <Async f={filtered}>
          {(d) => (
            <dl className="kv">
              {Object.entries(d.filtered ?? {}).map(([k, n]) => (
                <div key={k}>
                  <dt className="mono">{k}</dt>
                  <dd>{n}</dd>
                </div>
              ))}
              <div>
                <dt>total</dt>
                <dd>{d.total}</dd>
              </div>
            </dl>
          )}
        </Async>
      </Panel>
      {admin && (
        <Panel title={t('settings.members')}>
          <Async f={users}>
            {(u) => (
              <form
                onSubmit={(e) => {
                  e.preventDefault();
                  run(() => put(`/projects/${project.id}/members`, { user_ids: memberIds ?? [] }));
                }}
              >
                {members.error && <ErrorState error={members.error} />}
                {u.users.map((x) => (
                  <label key={x.id} className="check">
                    <input
                      type="checkbox"
                      checked={x.role === 'admin' || (memberIds ?? []).includes(x.id)}
                      disabled={x.role === 'admin' || memberIds === null}
                      onChange={(e) => setMemberIds(e.target.checked ? [...(memberIds ?? []), x.id] : (memberIds ?? []).filter((i) => i !== x.id))}
                    />{' '}
                    {x.email} <Badge>{x.role}</Badge>
                  </label>
                ))}
                <button type="submit" disabled={memberIds === null}>
                  {t('common.save')}
                </button>
              </form>
            )}
          </Async>
        </Panel>
      )}
    </>
  );
}

function TokensTab() {
  const { t, lang } = useI18n();
  const f = useApi<{ tokens: Token[] }>('/tokens');
  const [name, setName] = useState('');
  const [created, setCreated] = useState<Token | null>(null);
  const [run, busy, errView] = useAction();
  return (
    <Panel title={t('settings.tokens')}>
      <form
        className="inline-form"
        onSubmit={async (e) => {
          e.preventDefault();
          await run(async () => {
            setCreated(await post<Token>('/tokens', { name }));
            setName('');
            f.reload();
          });
        }}
      >
        <input placeholder={t('common.name')} value={name} onChange={(e) => setName(e.target.value)} required />
        <button type="submit" className="primary" disabled={busy}>
          {t('common.create')}
        </button>
      </form>
      {created?.token && (
        <div className="notice" data-testid="new-token">
          {t('settings.tokenCreated')} <code>{created.token}</code>
        </div>
      )}
      {errView}
      <Async f={f} empty={(d) => !d.tokens?.length}>
        {(d) => (
          <table className="data">
            <tbody>
              {d.tokens.map((tk) => (
                <tr key={tk.id}>
                  <td>{tk.name}</td>
                  <td className="muted">{tk.created_at ? fmtTime(tk.created_at, lang) : ''}</td>
                  <td>
                    <button type="button" className="danger" onClick={() => window.confirm(t('common.confirm')) && run(() => del(`/tokens/${tk.id}`)).then(() => f.reload())}>
                      {t('common.delete')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Async>
    </Panel>
  );
}

function AccountTab() {
  const { t } = useI18n();
  const [cur, setCur] = useState('');
  const [next, setNext] = useState('');
  const [done, setDone] = useState(false);
  const [run, busy, errView] = useAction();
  return (
    <Panel title={t('settings.changePassword')}>
      <form
        className="form-grid narrow"
        onSubmit={async (e) => {
          e.preventDefault();
          setDone(false);
          if (await run(() => put('/auth/password', { current_password: cur, new_password: next }))) {
            setDone(true);
            setCur('');
            setNext('');
          }
        }}
      >
        <label>
          {t('settings.currentPassword')}
          <input type="password" autoComplete="current-password" value={cur} onChange={(e) => setCur(e.target.value)} required />
        </label>
        <label>
          {t('settings.newPassword')}
          <input type="password" autoComplete="new-password" minLength={8} value={next} onChange={(e) => setNext(e.target.value)} required />
        </label>
        <button type="submit" className="primary" disabled={busy}>
          {t('settings.changePassword')}
        </button>
        {done && <div className="notice">{t('settings.passwordChanged')}</div>}
        {errView}
      </form>
    </Panel>
  );
}

function UsersTab() {
  const { t, lang } = useI18n();
  const f = useApi<{ users: User[] }>('/users');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState('member');
  const [run, busy, errView] = useAction();
  return (
    <Panel title={t('settings.users')}>
      <form
        className="inline-form"
        onSubmit={async (e) => {
          e.preventDefault();
          if (await run(() => post('/users', { email, password, role }))) {
            setEmail('');
            setPassword('');
            f.reload();
          }
        }}
      >
        <input type="email" placeholder={t('settings.email')} value={email} onChange={(e) => setEmail(e.target.value)} required />
        <input type="password" placeholder={t('settings.password')} minLength={8} value={password} onChange={(e) => setPassword(e.target.value)} required />
        <select value={role} onChange={(e) => setRole(e.target.value)} aria-label={t('settings.role')}>
          <option value="member">member</option>
          <option value="admin">admin</option>
        </select>
        <button type="submit" className="primary" disabled={busy}>
          {t('common.create')}
        </button>
      </form>
      {errView}
      <Async f={f}>
        {(d) => (
          <table className="data">
            <tbody>
              {d.users.map((u) => (
                <tr key={u.id}>
                  <td>{u.email}</td>
                  <td>
                    <Badge>{u.role}</Badge>
                  </td>
                  <td className="muted">{u.created_at ? fmtTime(u.created_at, lang) : ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Async>
    </Panel>
  );
}

export function SettingsPage() {
  const { t } = useI18n();
  const { user } = useApp();
  const loc = useLocation();
  const tabs = TABS.filter((k) => k !== 'users' || user.role === 'admin');
  const tab = (tabs as readonly string[]).includes(loc.params.get('tab') || '') ? (loc.params.get('tab') as Tab) : 'projects';
  const label = { projects: t('settings.projects'), project: t('settings.project'), tokens: t('settings.tokens'), account: t('settings.account'), users: t('settings.users') };
  return (
    <div className="page" data-testid="page-settings">
      <Tabs tabs={tabs.map((k) => ({ key: k, label: label[k] }))} value={tab} onChange={(k) => setParams({ tab: k === 'projects' ? null : k })} />
      {tab === 'projects' && <ProjectsTab />}
      {tab === 'project' && <ProjectSettingsTab />}
      {tab === 'tokens' && <TokensTab />}
      {tab === 'account' && <AccountTab />}
      {tab === 'users' && <UsersTab />}
    </div>
  );
}
