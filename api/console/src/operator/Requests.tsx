// 售后 / Refund requests: buyers' requests for their money back that wait for a decision, oldest
// first (status requested, which is also where a request returns when WeChat Pay closed the
// refund its approval made). Approving one makes its refund; the notice links to the order,
// where the refund is followed. The nav's count is the length of this list.
import { useEffect, useState } from 'preact/hooks';
import { translator, useLang } from '../shared/i18n';
import { formatFen } from '../shared/money';
import { ErrorLine, Loading } from '../shared/ui';
import { api, type Schemas } from './client';
import { COUNT_LIMIT } from './labels';
import { dict } from './messages';
import { afterDecision } from './request-facts';
import { noteRequestCount } from './request-count';
import { RequestList } from './RequestList';
import { BASE, onLinkClick } from './router';

const t = translator(dict);
type Request = Schemas['RefundApplication'];

export function Requests() {
  useLang();
  const [items, setItems] = useState<Request[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [decided, setDecided] = useState<Request | null>(null);
  const [reload, setReload] = useState(0);

  useEffect(() => {
    let live = true;
    api.GET('/admin/v1/refund-requests', { params: { query: { limit: COUNT_LIMIT } } }).then(
      ({ data, error }) => {
        if (!live) return;
        setError(error ?? null);
        if (data) {
          setItems(data.items);
          noteRequestCount(data.items.length);
        }
      },
      (err) => live && setError(err),
    );
    return () => void (live = false);
  }, [reload]);

  const onDecided = (r: Request): void => {
    setDecided(r);
    setItems((list) => {
      const next = list && afterDecision(list, r);
      if (next) noteRequestCount(next.length);
      return next;
    });
  };

  return (
    <>
      <h1>{t('requests.title')}</h1>
      <p class="muted">{t('requests.hint')}</p>
      <ErrorLine error={error} />
      {decided && (
        <p class="notice" data-testid="notice" data-request={decided.id}>
          {decided.status === 'rejected'
            ? t('requests.rejected', { order: decided.out_trade_no })
            : t('requests.approved', { order: decided.out_trade_no, no: decided.out_refund_no ?? '', amount: formatFen(decided.amount_fen) })}{' '}
          <a href={`${BASE}orders/${decided.order_id}`} onClick={onLinkClick} data-testid="notice-order">
            {t('requests.seeOrder')}
          </a>
        </p>
      )}
      {items === null ? (
        error === null && <Loading />
      ) : (
        <>
          <RequestList items={items} where="queue" onDecided={onDecided} onStale={() => setReload((n) => n + 1)} />
          {items.length === 0 && <p class="muted">{t('requests.empty')}</p>}
          <div class="actions">
            <button type="button" data-testid="refresh" onClick={() => (setDecided(null), setReload((n) => n + 1))}>
              {t('common.refresh')}
            </button>
          </div>
        </>
      )}
    </>
  );
}
