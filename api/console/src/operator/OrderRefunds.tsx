// The order's refunds: amount, state, reason (and WeChat's refusal, if it closed after one), who
// asked, when, and for each one WeChat Pay has not settled (PROCESSING or ABNORMAL) "Re-check now".
import { translator, useLang } from '../shared/i18n';
import { formatFen } from '../shared/money';
import { RefundStatus } from '../shared/states';
import { formatTime } from '../shared/time';
import type { Schemas } from './client';
import { actorLabel, refundFailure } from './labels';
import { dict } from './messages';
import { Recheck } from './Recheck';
import { settled, type RefundRow } from './refund-facts';

const t = translator(dict);

export function OrderRefunds(props: { refunds: RefundRow[]; onAnswer: (r: Schemas['AdminRefund']) => void }) {
  useLang();
  if (props.refunds.length === 0) return <p class="muted">{t('common.none')}</p>;
  const whoKnown = props.refunds.some((r) => r.requested_by !== undefined); // else no empty column
  return (
    <div class="scroll">
      <table data-testid="refunds">
        <thead>
          <tr>
            <th>{t('order.refundNo')}</th>
            <th class="num">{t('order.amount')}</th>
            <th>{t('orders.status')}</th>
            <th>{t('order.refundReason')}</th>
            {whoKnown && <th>{t('order.requestedBy')}</th>}
            <th>{t('order.requested')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {props.refunds.map((r) => (
            <tr key={r.out_refund_no} data-refund={r.out_refund_no}>
              <td class="mono" data-label={t('order.refundNo')}>
                {r.out_refund_no}
              </td>
              <td class="num" data-label={t('order.amount')}>
                {formatFen(r.amount_fen)}
              </td>
              <td data-label={t('orders.status')}>
                <RefundStatus status={r.status} />
              </td>
              <td class="wrap" data-label={t('order.refundReason')}>
                {r.reason}
                {refundFailure(r) && (
                  <div class="error" data-testid="refund-failure">
                    {refundFailure(r)}
                  </div>
                )}
              </td>
              {whoKnown && (
                <td data-testid="requested-by" data-label={t('order.requestedBy')}>
                  {r.requested_by === undefined ? '' : actorLabel(r.requested_by, 'requester')}
                </td>
              )}
              <td data-label={t('order.requested')}>{formatTime(r.created_at)}</td>
              <td class="act">{!settled(r.status) && <Recheck no={r.out_refund_no} onAnswer={props.onAnswer} />}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
