// Orders, newest first, with the API's filters and keyset paging. The filters live in the
// URL's query (never the key), so a filtered list can be reloaded or shared.
import { useEffect, useState } from 'preact/hooks';
import { translator } from '../shared/i18n';
import { formatFen } from '../shared/money';
import { ORDER_STATUSES, OrderStatus, orderStatusLabel } from '../shared/states';
import { dayStart, formatTime, today } from '../shared/time';
import { ErrorLine, Loading } from '../shared/ui';
import { api, type Schemas } from './client';
import { dict } from './messages';
import { BASE, onLinkClick } from './router';

const t = translator(dict);
const PAGE = 20;

interface Filters {
  status: string;
  from: string; // local dates, as <input type=date> gives them
  to: string;
  out_trade_no: string;
  openid: string;
}

function readFilters(): Filters {
  const q = new URLSearchParams(location.search);
  return { status: q.get('status') ?? '', from: q.get('from') ?? '', to: q.get('to') ?? '', out_trade_no: q.get('out_trade_no') ?? '', openid: q.get('openid') ?? '' };
}

function writeFilters(f: Filters): void {
  const q = new URLSearchParams(Object.entries(f).filter(([, v]) => v !== ''));
  const s = q.toString();
  history.replaceState(null, '', s ? `${BASE}?${s}` : BASE);
}

export function Orders() {
  const [draft, setDraft] = useState<Filters>(readFilters);
  const [filters, setFilters] = useState<Filters>(draft);
  // cursors[i] is the cursor that fetched page i; page 0 has none.
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [page, setPage] = useState<Schemas['AdminOrderPage'] | null>(null);
  const [error, setError] = useState<unknown>(null);

  const cursor = cursors[cursors.length - 1];
  useEffect(() => {
    let live = true;
    setPage(null);
    setError(null);
    api
      .GET('/admin/v1/orders', {
        params: {
          query: {
            limit: PAGE,
            cursor,
            status: (filters.status || undefined) as Schemas['OrderStatus'] | undefined,
            created_from: filters.from ? dayStart(filters.from) : undefined,
            created_to: filters.to ? dayStart(filters.to, 1) : undefined, // the whole "to" day
            out_trade_no: filters.out_trade_no.trim() || undefined,
            openid: filters.openid.trim() || undefined,
          },
        },
      })
      .then(({ data, error }) => live && (error ? setError(error) : setPage(data ?? null)), (err) => live && setError(err));
    return () => void (live = false);
  }, [filters, cursor]);

  const apply = (f: Filters): void => {
    setDraft(f);
    setFilters(f);
    setCursors([undefined]);
    writeFilters(f);
  };
  const field = (name: keyof Filters) => ({
    value: draft[name],
    onInput: (e: Event) => setDraft({ ...draft, [name]: (e.currentTarget as HTMLInputElement).value }),
  });

  return (
    <>
      <h1>{t('orders.title')}</h1>
      <form
        class="card row"
        onSubmit={(e) => {
          e.preventDefault();
          apply(draft);
        }}
      >
        <label>
          {t('orders.status')}
          <select name="status" value={draft.status} onChange={(e) => setDraft({ ...draft, status: e.currentTarget.value })}>
            <option value="">{t('orders.any')}</option>
            {ORDER_STATUSES.map((s) => (
              <option value={s}>{orderStatusLabel(s)}</option>
            ))}
          </select>
        </label>
        <label>
          {t('orders.from')}
          <input type="date" name="from" {...field('from')} />
        </label>
        <label>
          {t('orders.to')}
          <input type="date" name="to" {...field('to')} />
        </label>
        <label>
          {t('orders.outTradeNo')}
          <input name="out_trade_no" maxLength={32} {...field('out_trade_no')} />
        </label>
        <label>
          {t('orders.openid')}
          <input name="openid" maxLength={128} {...field('openid')} />
        </label>
        <div class="actions">
          <button class="primary" type="submit">
            {t('orders.apply')}
          </button>
          <button type="button" onClick={() => apply({ ...draft, from: today(), to: today() })}>
            {t('orders.today')}
          </button>
          <button type="button" onClick={() => apply({ status: '', from: '', to: '', out_trade_no: '', openid: '' })}>
            {t('orders.clear')}
          </button>
        </div>
      </form>
      <ErrorLine error={error} />
      {page === null && error === null && <Loading />}
      {page && (
        <>
          <div class="scroll">
            <table data-testid="orders">
              <thead>
                <tr>
                  <th>{t('orders.created')}</th>
                  <th>{t('orders.outTradeNo')}</th>
                  <th>{t('orders.status')}</th>
                  <th class="num">{t('orders.total')}</th>
                  <th class="num">{t('orders.refunded')}</th>
                  <th>{t('orders.payer')}</th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((o) => (
                  <tr data-order={o.id}>
                    <td data-label={t('orders.created')}>{formatTime(o.created_at)}</td>
                    <td class="mono" data-label={t('orders.outTradeNo')}>
                      <a href={`${BASE}orders/${o.id}`} onClick={onLinkClick}>
                        {o.out_trade_no}
                      </a>
                    </td>
                    <td data-label={t('orders.status')}>
                      <OrderStatus status={o.status} />
                    </td>
                    <td class="num" data-label={t('orders.total')}>
                      {formatFen(o.total_fen)}
                    </td>
                    <td class="num" data-label={t('orders.refunded')}>
                      {o.refunded_fen ? formatFen(o.refunded_fen) : ''}
                    </td>
                    <td class="mono" data-label={t('orders.payer')}>
                      {o.payer_openid}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {page.items.length === 0 && <p class="muted">{t('orders.empty')}</p>}
          <div class="actions">
            <button type="button" disabled={cursors.length < 2} onClick={() => setCursors(cursors.slice(0, -1))}>
              {t('orders.prev')}
            </button>
            <button type="button" disabled={!page.next_cursor} onClick={() => setCursors([...cursors, page.next_cursor])}>
              {t('orders.next')}
            </button>
          </div>
        </>
      )}
    </>
  );
}
