import { useState } from 'preact/hooks';
import { translator } from '../shared/i18n';
import { ErrorLine } from '../shared/ui';
import { api } from './client';
import { dict } from './messages';
import { signIn } from './session';

const t = translator(dict);

/** Checks the key with one cheap operator call before keeping it. */
export function SignIn() {
  const [key, setKey] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const { error } = await api.GET('/admin/v1/attention', {
        params: { query: { limit: 1 } },
        headers: { Authorization: `Bearer ${key.trim()}` },
      });
      if (error) setError(error);
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
      {error !== null && <p class="muted">{t('signIn.refused')}</p>}
      <ErrorLine error={error} />
      <button class="primary" type="submit" disabled={busy || key.trim() === ''}>
        {t('signIn.submit')}
      </button>
    </form>
  );
}
