// Refunds WeChat Pay has not settled (PROCESSING or ABNORMAL), oldest first: the oldest are the
// most likely to be stuck. Keyset paging as on the orders page. "Re-check now" asks WeChat Pay
// about one at once; a refund it has settled leaves the list, any other shows its new state.
import { useEffect, useState } from 'preact/hooks';
import { translator, useLang } from '../shared/i18n';
import { formatFen } from '../shared/money';
import { RefundStatus } from '../shared/states';
import { formatTime } from '../shared/time';
import { ErrorLine, Loading } from '../shared/ui';
import { refreshAttentionCount } from './attention-count';
import { api, type Schemas } from './client';
import { actorLabel, refundFailure } from './labels';
import { dict } from './messages';
import { Recheck } from './Recheck';
import { afterRecheck, settled } from './refund-facts';
import { BASE, onLinkClick } from './router';

const t = translator(dict);
const PAGE = 20;

export function Refunds() {
  useLang();
  // cursors[i] is the cursor that fetched page i; page 0 has none.
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [page, setPage] = useState<Schemas['AdminRefundPage'] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState('');
  const [reload, setReload] = useState(0);

  const cursor = cursors[cursors.length - 1];
  useEffect(() => {
    let live = true;
    setError(null);
    api
      .GET('/admin/v1/refunds', { params: { query: { limit: PAGE, cursor } } })
      .then(({ data, error }) => live && (error ? setError(error) : setPage(data ?? null)), (err) => live && setError(err));
    return () => void (live = false);
  }, [cursor, reload]);

  const answered = (r: Schemas['AdminRefund']): void => {
    const status = t(`refund.${r.status}`);
    setNotice(t(settled(r.status) ? 'refunds.settled' : 'refunds.still', { no: r.out_refund_no, status }));
    setPage((p) => p && { ...p, items: afterRecheck(p.items, r) });
    void refreshAttentionCount(); // settling a refund resolves the items about it
  };

  return (
    <>
      <h1>{t('refunds.title')}</h1>
      <p class="muted">{t('refunds.hint')}</p>
      <ErrorLine error={error} />
      {notice && (
        <p class="notice" data-testid="notice">
          {notice}
        </p>
      )}
      {page === null && error === null && <Loading />}
      {page && (
        <>
          <div class="scroll">
            <table data-testid="unsettled-refunds">
              <thead>
                <tr>
                  <th>
                    {t('order.refundNo')} / {t('refunds.order')}
                  </th>
                  <th class="num">{t('order.amount')}</th>
                  <th>{t('orders.status')}</th>
                  <th>{t('order.requestedBy')}</th>
                  <th class="num">{t('refunds.checks')}</th>
                  <th>{t('order.requested')}</th>
                  <th>{t('refunds.updated')}</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {page.items.map((r) => (
                  <tr key={r.out_refund_no} data-refund={r.out_refund_no}>
                    <td class="mono" data-label={`${t('order.refundNo')} / ${t('refunds.order')}`}>
                      {r.out_refund_no}
                      <br />
                      <a href={`${BASE}orders/${r.order_id}`} onClick={onLinkClick}>
                        {r.out_trade_no}
                      </a>
                    </td>
                    <td class="num" data-testid="amount" data-label={t('order.amount')}>
                      {formatFen(r.amount_fen)}
                    </td>
                    <td data-label={t('orders.status')}>
                      <RefundStatus status={r.status} />
                      {refundFailure(r) && (
                        <div class="muted wrap" data-testid="refund-failure">
                          {refundFailure(r)}
                        </div>
                      )}
                    </td>
                    <td data-testid="requested-by" data-label={t('order.requestedBy')}>
                      {actorLabel(r.requested_by, 'requester')}
                    </td>
                    <td class="num" data-testid="check-attempts" data-label={t('refunds.checks')}>
                      {r.check_attempts}
                    </td>
                    <td class="when" data-label={t('order.requested')}>
                      {formatTime(r.created_at)}
                    </td>
                    <td class="when" data-label={t('refunds.updated')}>
                      {formatTime(r.updated_at)}
                    </td>
                    <td class="act">
                      <Recheck no={r.out_refund_no} onAnswer={answered} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {page.items.length === 0 && <p class="muted">{t('refunds.empty')}</p>}
          <div class="actions">
            <button type="button" disabled={cursors.length < 2} onClick={() => setCursors(cursors.slice(0, -1))}>
              {t('orders.prev')}
            </button>
            <button type="button" disabled={!page.next_cursor} onClick={() => setCursors([...cursors, page.next_cursor])}>
              {t('orders.next')}
            </button>
            <button type="button" data-testid="refresh" onClick={() => (setNotice(''), setReload((n) => n + 1))}>
              {t('common.refresh')}
            </button>
          </div>
        </>
      )}
    </>
  );
}
