import { useState } from 'react';
import { ApiError, post, type AuthAnswer } from '../api';
import { useI18n } from '../i18n';
import { useTheme } from '../theme';

export function LoginPage({ onLogin, initialError }: { onLogin: (a: AuthAnswer) => void; initialError?: Error }) {
  const { t, lang, setLang } = useI18n();
  const { theme, setTheme } = useTheme();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(initialError ? initialError.message : null);
  return (
    <div className="login">
      <form
        className="login-box panel"
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          setError(null);
          try {
            onLogin(await post<AuthAnswer>('/auth/login', { email, password }));
          } catch (err) {
            const a = err as ApiError;
            if (a.status === 401) setError(t('login.invalid'));
            else if (a.status === 429) setError(t('login.tooMany', { s: a.retryAfter ?? 60 }));
            else setError(a.message || String(err));
          } finally {
            setBusy(false);
          }
        }}
      >
        <h1>{t('login.title')}</h1>
        <label>
          {t('login.email')}
          <input name="email" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </label>
        <label>
          {t('login.password')}
          <input name="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        </label>
        {error && (
          <div className="state-error form-error" role="alert">
            {error}
          </div>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {t('login.submit')}
        </button>
        <div className="login-foot">
          <select aria-label={t('common.language')} value={lang} onChange={(e) => setLang(e.target.value as 'en' | 'zh')}>
            <option value="en">English</option>
            <option value="zh">简体中文</option>
          </select>
          <button type="button" className="ghost" onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')}>
            {theme === 'dark' ? t('common.light') : t('common.dark')}
          </button>
        </div>
      </form>
      <footer className="footer">IP geolocation by DB-IP (https://db-ip.com), CC BY 4.0</footer>
    </div>
  );
}
