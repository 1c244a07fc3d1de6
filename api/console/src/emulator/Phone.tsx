// The phone number (手机号快速验证): the button that stands in for a user's tap on
// <button open-type="getPhoneNumber"> (the code to paste into POST /v1/me/phone, and the number
// it gives; or, with the quota spent, the errno the button's callback gets), how
// getuserphonenumber writes countryCode, how many taps WeChat would charge, and every code given
// with whether it was used.
import { useState } from 'preact/hooks';
import { translator, useLang } from '../shared/i18n';
import { formatTime } from '../shared/time';
import { Badge, ErrorLine } from '../shared/ui';
import { COUNTRY_CODE_TYPES, countryCodeLabel, phoneCodeState, phoneCodeTone, type CountryCodeType } from './buyer-facts';
import { emu, type Schemas } from './client';
import { dict } from './messages';
import type { Act, Phone as PhoneSnapshot } from './snapshot';

const t = translator(dict);

export function Phone(props: { phone: PhoneSnapshot; act: Act }) {
  useLang();
  const [user, setUser] = useState('alice');
  const [quota, setQuota] = useState(false);
  const [minted, setMinted] = useState<Schemas['PhoneCode'] | null>(null);
  const [refused, setRefused] = useState<Schemas['PhoneQuotaError'] | null>(null);
  const [error, setError] = useState<unknown>(null);

  const tap = async (e: Event): Promise<void> => {
    e.preventDefault();
    setError(null);
    setMinted(null);
    setRefused(null);
    try {
      const { data, error, response } = await emu.POST('/emulator/phone-codes', { body: { user: user.trim(), ...(quota ? { quota_exhausted: true } : {}) } });
      if (data) setMinted(data);
      else if (response.status === 409 && error && 'errno' in error) setRefused(error);
      else setError(error);
    } catch (err) {
      setError(err);
    }
  };

  const { items, charged, country_code_type } = props.phone;
  return (
    <section id="phone">
      <h2>{t('phone.title')}</h2>
      <p class="muted">{t('phone.intro')}</p>
      <form class="card row" onSubmit={tap} data-testid="phone-mint">
        <label>
          {t('phone.user')}
          <input name="phone-user" required maxLength={64} value={user} onInput={(e) => setUser(e.currentTarget.value)} />
        </label>
        <label class="inline">
          <input type="checkbox" name="quota" checked={quota} onChange={(e) => setQuota(e.currentTarget.checked)} />
          {t('phone.quotaBox')}
        </label>
        <button class="primary" type="submit" disabled={user.trim() === ''}>
          {t('phone.mint')}
        </button>
        {minted && (
          <p data-phone-for={minted.user}>
            {t('phone.minted', { user: minted.user })} <code class="mono" data-testid="phone-code">{minted.code}</code>{' '}
            <span class="muted">{t('phone.gives', { number: minted.phone_number })}</span>
          </p>
        )}
        {refused && (
          <p class="error" role="alert" data-testid="phone-refused">
            {t('phone.quota', { errno: refused.errno, msg: refused.errMsg })}
          </p>
        )}
        <ErrorLine error={error} />
      </form>
      <div class="card">
        <dl class="facts">
          <dt>{t('phone.charged')}</dt>
          <dd data-testid="phone-charged">{t('phone.chargedOf', { n: charged })}</dd>
        </dl>
        <label class="inline">
          {t('phone.countryCode')}
          <select
            name="country-code-type"
            value={country_code_type}
            onChange={(e) => props.act(() => emu.PUT('/emulator/phone/country-code-type', { body: { type: e.currentTarget.value as CountryCodeType } }))}
          >
            {COUNTRY_CODE_TYPES.map((c) => (
              <option value={c}>{countryCodeLabel(c)}</option>
            ))}
          </select>
        </label>
      </div>
      <h3>{t('phone.codes')}</h3>
      {items.length === 0 ? (
        <p class="muted">{t('common.none')}</p>
      ) : (
        <div class="scroll">
          <table data-testid="phone-codes">
            <thead>
              <tr>
                <th>{t('phone.code')}</th>
                <th>{t('phone.user')}</th>
                <th>{t('phone.number')}</th>
                <th>{t('phone.issued')}</th>
                <th>{t('phone.state')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((c) => {
                const state = phoneCodeState(c);
                return (
                  <tr data-phone-code={c.code} data-for={c.user}>
                    <td class="mono wrap" data-label={t('phone.code')}>
                      {c.code}
                    </td>
                    <td data-label={t('phone.user')}>{c.user}</td>
                    <td class="mono" data-label={t('phone.number')}>
                      {c.phone_number}
                    </td>
                    <td class="when" data-label={t('phone.issued')}>
                      {formatTime(c.issued_at)}
                      <div class="muted">{t('phone.expires', { time: formatTime(c.expires_at) })}</div>
                    </td>
                    <td data-label={t('phone.state')}>
                      <Badge tone={phoneCodeTone[state]} code={state} label={t(`phone.${state}`)} />
                      {c.used_at && (
                        <div class="muted" data-testid="used-at">
                          {t('phone.usedAt', { time: formatTime(c.used_at) })}
                        </div>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
