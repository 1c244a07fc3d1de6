// Test users as WeChat sees them (with the phone number getuserphonenumber gives for each), and
// the button that does what wx.login does on a phone.
import { useState } from 'preact/hooks';
import { translator } from '../shared/i18n';
import { formatTime } from '../shared/time';
import { Badge, ErrorLine } from '../shared/ui';
import { emu, type Schemas } from './client';
import { dict } from './messages';

const t = translator(dict);

export function Users(props: { items: Schemas['TestUser'][] }) {
  const [name, setName] = useState('alice');
  const [minted, setMinted] = useState<Schemas['LoginCode'] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const mint = async (e: Event): Promise<void> => {
    e.preventDefault();
    setError(null);
    try {
      const { data, error } = await emu.POST('/emulator/login-codes', { body: name.trim() ? { user: name.trim() } : {} });
      setMinted(data ?? null);
      if (error) setError(error);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section id="users">
      <h2>{t('users.title')}</h2>
      <form class="card row" onSubmit={mint} data-testid="mint">
        <label>
          {t('users.name')}
          <input name="user" maxLength={64} value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <button class="primary" type="submit">
          {t('users.mint')}
        </button>
        {minted && (
          <p data-minted-for={minted.user}>
            {t('users.minted', { user: minted.user })} <code class="mono" data-testid="minted-code">{minted.code}</code>
          </p>
        )}
        <ErrorLine error={error} />
      </form>
      <div class="scroll">
        <table data-testid="users">
          <thead>
            <tr>
              <th>{t('users.name')}</th>
              <th>{t('users.openid')}</th>
              <th>{t('users.phone')}</th>
              <th class="num">{t('users.logins')}</th>
              <th>{t('users.codes')}</th>
            </tr>
          </thead>
          <tbody>
            {props.items.map((u) => (
              <tr data-user={u.user}>
                <td data-label={t('users.name')}>{u.user}</td>
                <td class="mono" data-label={t('users.openid')}>
                  {u.openid}
                </td>
                <td class="mono" data-testid="user-phone" data-label={t('users.phone')}>
                  {u.phone?.phone_number ?? ''}
                </td>
                <td class="num" data-label={t('users.logins')}>
                  {u.logins}
                </td>
                <td data-label={t('users.codes')}>
                  {u.codes.map((c) => (
                    <div>
                      <span class="mono">{c.code.slice(0, 8)}…</span>{' '}
                      <Badge tone={c.used ? 'off' : 'wait'} code={c.used ? 'used' : 'unused'} label={c.used ? t('users.used') : t('users.unused')} />{' '}
                      <span class="muted" data-testid="code-expiry">
                        {t('users.expires', { time: formatTime(c.expires_at) })}
                      </span>
                    </div>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
