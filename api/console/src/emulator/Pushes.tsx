// The message pushes (消息推送) WeChat made to the service, newest first: when, which event about
// which transaction, the attempt, what the service answered and whether it counts as delivered
// (WeChat retries up to 4 times); each message's plaintext on demand. "Verify the push URL"
// checks the URL as the admin console does when its settings are saved.
import { useState } from 'preact/hooks';
import { translator, useLang } from '../shared/i18n';
import { formatTime } from '../shared/time';
import { Badge } from '../shared/ui';
import { emu, type Schemas } from './client';
import { dict } from './messages';
import type { Act, Pushes as PushesSnapshot } from './snapshot';

const t = translator(dict);

function Answer(props: { p: Schemas['PushAttempt'] }) {
  const p = props.p;
  const what = p.status === 0 ? (p.error ?? '—') : `HTTP ${p.status}`;
  return (
    <>
      <Badge tone={p.delivered ? 'ok' : 'bad'} code={p.delivered ? 'delivered' : 'failed'} label={`${what} ${t(p.delivered ? 'pushes.delivered' : 'pushes.failed')}`} />
      {p.final && <span class="muted"> {t('pushes.final')}</span>}
      {p.answer && <div class="mono muted">{p.answer}</div>}
    </>
  );
}

export function Pushes(props: { pushes: PushesSnapshot; act: Act }) {
  useLang();
  const { items, configured } = props.pushes;
  const [verified, setVerified] = useState<Schemas['PushVerification'] | null>(null);
  const verify = () =>
    props.act(async () => {
      setVerified(null);
      const r = await emu.POST('/emulator/push/verify');
      if (r.data) setVerified(r.data);
      return r;
    });
  return (
    <section id="pushes">
      <h2>{t('pushes.title')}</h2>
      <p class="muted">{t('pushes.intro')}</p>
      <div class="card row">
        <span data-testid="push-configured" data-configured={String(configured)}>
          {t(configured ? 'pushes.configured' : 'pushes.unconfigured')}
        </span>
        {configured && (
          <button type="button" data-testid="verify-push" onClick={verify}>
            {t('pushes.verify')}
          </button>
        )}
        {verified && (
          <p class={verified.ok ? 'notice' : 'error'} data-testid="push-verified" data-ok={String(verified.ok)}>
            {verified.ok ? t('pushes.verifyOk', { status: verified.status }) : t('pushes.verifyBad', { status: verified.status, answer: verified.error ?? verified.answer })}
          </p>
        )}
      </div>
      {items.length === 0 ? (
        <p class="muted">{t('common.none')}</p>
      ) : (
        <div class="scroll">
          <table data-testid="pushes">
            <thead>
              <tr>
                <th>{t('pushes.at')}</th>
                <th>{t('pushes.event')}</th>
                <th>{t('shipping.txn')}</th>
                <th class="num">{t('pushes.attempt')}</th>
                <th>{t('pushes.answer')}</th>
                <th>{t('pushes.message')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((p) => (
                <tr data-push={p.push_id} data-event={p.event} data-delivered={String(p.delivered)}>
                  <td data-label={t('pushes.at')}>{formatTime(p.at)}</td>
                  <td class="mono" data-label={t('pushes.event')}>
                    {p.event}
                  </td>
                  <td class="mono" data-label={t('shipping.txn')}>
                    {p.transaction_id ?? ''}
                  </td>
                  <td class="num" data-label={t('pushes.attempt')}>
                    {p.attempt}
                  </td>
                  <td data-label={t('pushes.answer')}>
                    <Answer p={p} />
                  </td>
                  <td class="wrap" data-label={t('pushes.message')}>
                    <details>
                      <summary>{t('pushes.message')}</summary>
                      <pre class="mono wrap">{p.message}</pre>
                    </details>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
