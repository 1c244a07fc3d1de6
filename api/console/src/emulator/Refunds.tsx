import { translator } from '../shared/i18n';
import { formatFen } from '../shared/money';
import { RefundStatus } from '../shared/states';
import { formatTime } from '../shared/time';
import { emu, type Schemas } from './client';
import { dict } from './messages';
import type { Act } from './snapshot';

const t = translator(dict);

/** Refunds as WeChat Pay sees them (one made by hand on the merchant platform says so); a
 * PROCESSING one can be ended now, an ABNORMAL one finished as a person does through WeChat's
 * abnormal-refund flow (it ends SUCCESS), an ended one notified again. */
export function Refunds(props: { items: Schemas['Refund'][]; act: Act }) {
  const { act } = props;
  return (
    <section id="refunds">
      <h2>{t('refunds.title')}</h2>
      <div class="scroll">
        <table data-testid="emulator-refunds">
          <thead>
            <tr>
              <th>{t('refunds.no')}</th>
              <th>{t('txns.no')}</th>
              <th class="num">{t('refunds.amount')}</th>
              <th>{t('refunds.status')}</th>
              <th>{t('deliveries.at')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {props.items.map((r) => {
              const path = { params: { path: { out_refund_no: r.out_refund_no } } };
              return (
                <tr data-refund={r.out_refund_no}>
                  <td class="mono" data-label={t('refunds.no')}>
                    {r.out_refund_no}
                  </td>
                  <td class="mono" data-label={t('txns.no')}>
                    {r.out_trade_no}
                  </td>
                  <td class="num" data-label={t('refunds.amount')}>
                    {formatFen(r.refund)}
                  </td>
                  <td data-label={t('refunds.status')}>
                    <RefundStatus status={r.status} />
                    {r.platform && (
                      <div class="muted" data-testid="platform" title={t('refunds.platformHint')}>
                        {t('refunds.platform')}
                      </div>
                    )}
                  </td>
                  <td data-label={t('deliveries.at')}>{formatTime(r.create_time)}</td>
                  <td class="act">
                    <div class="actions">
                      {r.status === 'PROCESSING' || r.status === 'ABNORMAL' ? (
                        <button type="button" onClick={() => act(() => emu.POST('/emulator/refunds/{out_refund_no}/complete', path))}>
                          {t(r.status === 'ABNORMAL' ? 'refunds.finish' : 'refunds.complete')}
                        </button>
                      ) : (
                        r.notify_url && (
                          <button type="button" onClick={() => act(() => emu.POST('/emulator/refunds/{out_refund_no}/notify', path))}>
                            {t('refunds.resend')}
                          </button>
                        )
                      )}
                    </div>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}
