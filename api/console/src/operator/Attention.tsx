// What needs a person, oldest first: late payments to give back, suspicious payments, orders
// reconciliation gave up on, refunds that failed or ended ABNORMAL, differences between the
// day's bill and our books that WeChat Pay's answer did not explain. Each is about its order or
// one of its refunds (out_refund_no); a bill difference about a line no order of ours has is
// about the bill's out_trade_no alone (no link), and links to the day's bill. Each can be marked
// resolved with a note (kept in the audit table with the operator's key id); the service
// resolves an item itself when WeChat settles what it is about, and it then leaves this list.
import { useEffect, useState } from 'preact/hooks';
import { translator } from '../shared/i18n';
import { formatTime } from '../shared/time';
import { Badge, ErrorLine, Loading } from '../shared/ui';
import { noteAttentionCount } from './attention-count';
import { api, type Schemas } from './client';
import { billDayOf } from './bill-facts';
import { attentionWhy, itemKindLabel } from './labels';
import { dict } from './messages';
import { BASE, onLinkClick } from './router';

const t = translator(dict);

export function Attention() {
  const [items, setItems] = useState<Schemas['AttentionItem'][] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [resolving, setResolving] = useState<number | null>(null);
  const [note, setNote] = useState('');

  const load = async (): Promise<void> => {
    try {
      const { data, error } = await api.GET('/admin/v1/attention', { params: { query: { limit: 100 } } });
      setError(error ?? null);
      if (data) {
        setItems(data.items);
        noteAttentionCount(data.items.length);
      }
    } catch (err) {
      setError(err);
    }
  };
  useEffect(() => void load(), []);

  const resolve = async (e: Event, id: number): Promise<void> => {
    e.preventDefault();
    try {
      const { error } = await api.POST('/admin/v1/attention/{itemId}/resolve', { params: { path: { itemId: id } }, body: { note: note.trim() } });
      if (error) return setError(error);
      setResolving(null);
      setNote('');
      await load();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <>
      <h1>{t('attention.title')}</h1>
      <ErrorLine error={error} />
      {items === null ? (
        error === null && <Loading />
      ) : items.length === 0 ? (
        <p class="muted">{t('attention.empty')}</p>
      ) : (
        <div class="scroll">
          <table data-testid="attention">
            <thead>
              <tr>
                <th>{t('attention.created')}</th>
                <th>{t('attention.kind')}</th>
                <th>{t('attention.order')}</th>
                <th>{t('attention.refund')}</th>
                <th>{t('attention.detail')}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {items.map((a) => (
                <tr key={a.id} data-item={a.id} data-refund={a.out_refund_no} data-trade={a.out_trade_no}>
                  <td data-label={t('attention.created')}>{formatTime(a.created_at)}</td>
                  <td data-label={t('attention.kind')}>
                    <Badge tone="bad" code={a.kind} label={itemKindLabel(a.kind)} />
                  </td>
                  <td class="mono" data-testid="order" data-label={t('attention.order')}>
                    {a.order_id ? (
                      <a href={`${BASE}orders/${a.order_id}`} onClick={onLinkClick}>
                        {a.out_trade_no}
                      </a>
                    ) : (
                      <>
                        {a.out_trade_no}
                        <span class="muted" data-testid="no-order">{t('attention.noOrder')}</span>
                      </>
                    )}
                  </td>
                  <td class="mono" data-testid="subject" data-label={t('attention.refund')}>
                    {a.out_refund_no ?? ''}
                  </td>
                  <td class="wrap" data-label={t('attention.detail')}>
                    <span data-testid="why">{attentionWhy(a)}</span>
                    {a.kind === 'bill_difference' && (
                      <div>
                        <a href={`${BASE}bills${billDayOf(a) ? `/${billDayOf(a)}` : ''}`} onClick={onLinkClick} data-testid="bill-link">
                          {t('attention.bill')}
                        </a>
                      </div>
                    )}
                  </td>
                  <td class="act">
                    {resolving === a.id ? (
                      <form class="row" onSubmit={(e) => resolve(e, a.id)}>
                        <input name="note" required maxLength={500} placeholder={t('attention.note')} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
                        <button class="primary" type="submit" disabled={note.trim() === ''}>
                          {t('attention.confirm')}
                        </button>
                        <button type="button" onClick={() => setResolving(null)}>
                          {t('common.cancel')}
                        </button>
                      </form>
                    ) : (
                      <button type="button" onClick={() => (setResolving(a.id), setNote(''))}>
                        {t('attention.resolve')}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
