// The access_token as WeChat keeps it: the stable token (and older ones still valid after a
// rotation), the classic one, how often each token endpoint was called and the force refreshes
// spent of the day's 20; and 作废 access_token / Invalidate token, as a force refresh by another
// service would: the next call with it answers 40001.
import { translator, useLang } from '../shared/i18n';
import { formatTime } from '../shared/time';
import { emu, type Schemas } from './client';
import { dict } from './messages';
import type { Act } from './snapshot';

const t = translator(dict);

/** The start of a token: enough to tell two apart, not a credential to copy. */
function short(token: string): string {
  return token.length > 12 ? `${token.slice(0, 12)}…` : token;
}

function Info(props: { info: Schemas['TokenInfo'] | undefined; testid: string }) {
  const i = props.info;
  if (!i) return <dd class="muted" data-testid={props.testid}>{t('token.none')}</dd>;
  return (
    <dd data-testid={props.testid}>
      <span class="mono">{short(i.access_token)}</span> <span class="muted">{t('token.expires', { time: formatTime(i.expires_at), s: i.expires_in })}</span>
    </dd>
  );
}

export function Token(props: { token: Schemas['TokenStatus']; act: Act }) {
  useLang();
  const tk = props.token;
  return (
    <section id="token">
      <h2>{t('token.title')}</h2>
      <p class="muted">{t('token.intro')}</p>
      <div class="card">
        <dl class="facts">
          <dt>{t('token.stable')}</dt>
          <Info info={tk.stable} testid="stable-token" />
          {tk.stable_overlap.length > 0 && (
            <>
              <dt />
              <dd class="muted">{t('token.overlap', { n: tk.stable_overlap.length })}</dd>
            </>
          )}
          <dt>{t('token.classic')}</dt>
          <Info info={tk.classic} testid="classic-token" />
          <dt>{t('token.calls')}</dt>
          <dd data-testid="token-calls">{t('token.callsOf', { stable: tk.calls.stable, force: tk.calls.stable_force, classic: tk.calls.classic })}</dd>
          <dt>{t('token.force')}</dt>
          <dd>{t('token.forceOf', { used: tk.force_refreshes_today, quota: tk.force_quota })}</dd>
        </dl>
        <p>
          <button type="button" class="danger" data-testid="invalidate-token" onClick={() => props.act(() => emu.POST('/emulator/token/invalidate'), t('token.invalidated'))}>
            {t('token.invalidate')}
          </button>
        </p>
      </div>
    </section>
  );
}
