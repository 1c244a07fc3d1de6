// Every notification attempt, newest first: when, which attempt, what the merchant answered,
// and when WeChat's schedule tries again.
import { translator } from '../shared/i18n';
import { formatTime } from '../shared/time';
import { Badge } from '../shared/ui';
import type { Schemas } from './client';
import { dict } from './messages';

const t = translator(dict);

function Answer(props: { d: Schemas['ConsoleDelivery'] }) {
  const d = props.d;
  if (d.error === 'dropped') return <Badge tone="bad" code="dropped" label={t('deliveries.dropped')} />;
  if (d.status === 0) return <Badge tone="bad" code="error" label={d.error ?? '—'} />;
  const taken = d.status === 200 || d.status === 204;
  return <Badge tone={taken ? 'ok' : 'bad'} code={String(d.status)} label={`HTTP ${d.status}`} />;
}

export function Deliveries(props: { items: Schemas['ConsoleDelivery'][] }) {
  return (
    <section id="deliveries">
      <h2>{t('deliveries.title')}</h2>
      <div class="scroll">
        <table data-testid="deliveries">
          <thead>
            <tr>
              <th>{t('deliveries.at')}</th>
              <th>{t('deliveries.kind')}</th>
              <th>{t('txns.no')}</th>
              <th class="num">{t('deliveries.attempt')}</th>
              <th>{t('deliveries.answer')}</th>
              <th>{t('deliveries.next')}</th>
            </tr>
          </thead>
          <tbody>
            {props.items.map((d) => (
              <tr data-delivery={d.out_trade_no} data-answer={d.error === 'dropped' ? 'dropped' : d.status === 200 || d.status === 204 ? 'taken' : String(d.status)}>
                <td data-label={t('deliveries.at')}>{formatTime(d.at)}</td>
                <td data-label={t('deliveries.kind')}>{d.kind === 'payment' ? t('deliveries.payment') : t('deliveries.refund')}</td>
                <td class="mono" data-label={t('txns.no')}>
                  {d.out_trade_no}
                  {d.out_refund_no && <div>{d.out_refund_no}</div>}
                </td>
                <td class="num" data-label={t('deliveries.attempt')}>
                  {d.probe ? t('deliveries.probe') : d.attempt}
                </td>
                <td data-label={t('deliveries.answer')}>
                  <Answer d={d} /> {d.duplicate && <span class="muted">{t('deliveries.duplicate')}</span>} {d.final && <span class="muted">{t('deliveries.final')}</span>}
                </td>
                <td data-label={t('deliveries.next')}>{formatTime(d.next_retry_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
