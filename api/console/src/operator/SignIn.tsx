import { useState } from 'preact/hooks';
import { translator, useLang } from '../shared/i18n';
import { ErrorLine } from '../shared/ui';
import { api } from './client';
import { isLoopbackHost } from './loopback';
import { dict } from './messages';
import { signIn } from './session';

const t = translator(dict);

/** Checks the key with one cheap operator call before keeping it. A key the service refuses
 * (401) gets one line that says so; any other failure (the network, a 5xx) says what it was. */
export function SignIn() {
  useLang();
  const [key, setKey] = useState('');
  const [refused, setRefused] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setRefused(false);
    setError(null);
    try {
      const { error, response } = await api.GET('/admin/v1/attention', {
        params: { query: { limit: 1 } },
        headers: { Authorization: `Bearer ${key.trim()}` },
      });
      if (response.status === 401) setRefused(true);
      else if (error) setError(error);
      else signIn(key.trim());
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="card" onSubmit={submit} data-testid="sign-in">
      <h1>{t('signIn.title')}</h1>
      <label>
        {t('signIn.key')}
        <input type="password" autocomplete="off" required value={key} onInput={(e) => setKey(e.currentTarget.value)} name="key" />
      </label>
      <p class="muted">{t('signIn.hint')}</p>
      {isLoopbackHost(location.hostname) && (
        <p class="muted" data-testid="dev-hint">
          {t('signIn.devHint')}
        </p>
      )}
      {refused && (
        <p class="error" role="alert">
          {t('signIn.refused')}
        </p>
      )}
      <ErrorLine error={error} />
      <button class="primary" type="submit" disabled={busy || key.trim() === ''}>
        {t('signIn.submit')}
      </button>
    </form>
  );
}
