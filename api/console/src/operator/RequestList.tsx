// Buyers' refund requests (售后), those waiting for a decision with 同意退款 / Approve (after a dialog
// that says what will be refunded: the amount asked, exactly once, through the refund path every
// refund takes) and 拒绝 / Reject (with a note the buyer sees, required). Shown by the refund
// requests page (the queue, each with its order) and by an order's page (all its requests, the
// decided and withdrawn ones with their status, note and refund, and no buttons). An
// answer that the request is no longer open (request_not_open: decided elsewhere, or withdrawn
// by the buyer) is shown above the list, and the page reads the list again.
import { useEffect, useState } from 'preact/hooks';
import { translator, useLang } from '../shared/i18n';
import { formatFen } from '../shared/money';
import { isProblem } from '../shared/problem';
import { formatTime } from '../shared/time';
import { Badge, ErrorLine } from '../shared/ui';
import { api, type Schemas } from './client';
import { requestStatusLabel, waitedLabel } from './labels';
import { dict } from './messages';
import { MAX_NOTE, noteProblem, requestTone } from './request-facts';
import { BASE, onLinkClick } from './router';

const t = translator(dict);
type Request = Schemas['RefundApplication'];

/** The clock, read again every 30 s: how long each request has waited moves on by itself. */
function useNow(): Date {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const timer = setInterval(() => setNow(new Date()), 30_000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

const stale = (error: unknown): boolean => isProblem(error) && error.code === 'request_not_open';

function ApproveDialog(props: { request: Request; onClose: () => void; onDone: (r: Request) => void; onStale: () => void }) {
  const r = props.request;
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      // The service approves a request once, however often it is asked: pressing again after a
      // timeout is safe (a second answer is request_not_open).
      const { data, error } = await api.POST('/admin/v1/refund-requests/{requestId}/approve', { params: { path: { requestId: r.id } } });
      if (data) return props.onDone(data);
      setError(error);
      if (stale(error)) props.onStale();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="backdrop">
      <form class="dialog" role="dialog" aria-modal="true" aria-labelledby="approve-title" data-testid="approve-dialog" data-request={r.id} onSubmit={submit}>
        <h2 id="approve-title">{t('requests.approveTitle')}</h2>
        <p data-testid="approve-what">{t('requests.approveWhat', { order: r.out_trade_no, amount: formatFen(r.amount_fen) })}</p>
        <p>{t('requests.approveReason', { reason: r.reason })}</p>
        <p class="muted">{t('requests.approveHow')}</p>
        <ErrorLine error={error} />
        <div class="actions">
          <button class="primary" type="submit" disabled={busy}>
            {t('requests.approveSubmit')}
          </button>
          <button type="button" onClick={props.onClose}>
            {t('common.cancel')}
          </button>
        </div>
      </form>
    </div>
  );
}

export function RequestList(props: {
  items: Request[];
  /** queue: each request with its order; order: the order's own, with their status. */
  where: 'queue' | 'order';
  onDecided: (r: Request) => void;
  /** The list is out of date (a request was decided elsewhere or withdrawn): read it again. */
  onStale: () => void;
}) {
  useLang();
  const now = useNow();
  const [approving, setApproving] = useState<Request | null>(null);
  const [rejecting, setRejecting] = useState<string | null>(null);
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const reject = async (e: Event, r: Request): Promise<void> => {
    e.preventDefault();
    if (noteProblem(note) !== '') return;
    setBusy(true);
    setError(null);
    try {
      const { data, error } = await api.POST('/admin/v1/refund-requests/{requestId}/reject', { params: { path: { requestId: r.id } }, body: { note: note.trim() } });
      if (data) {
        setRejecting(null);
        setNote('');
        props.onDecided(data);
      } else {
        setError(error);
        if (stale(error)) props.onStale();
      }
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const queue = props.where === 'queue';
  const problem = noteProblem(note);
  return (
    <>
      <ErrorLine error={error} />
      {props.items.length > 0 && (
        <div class="scroll">
          <table data-testid={queue ? 'refund-requests' : 'order-requests'}>
            <thead>
              <tr>
                {queue && <th>{t('requests.order')}</th>}
                <th class="num">{t('requests.amount')}</th>
                <th>{t('requests.reason')}</th>
                {!queue && <th>{t('requests.status')}</th>}
                <th>{t('requests.waited')}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {props.items.map((r) => (
                <tr key={r.id} data-request={r.id} data-order={r.order_id}>
                  {queue && (
                    <td class="mono" data-label={t('requests.order')}>
                      <a href={`${BASE}orders/${r.order_id}`} onClick={onLinkClick}>
                        {r.out_trade_no}
                      </a>
                    </td>
                  )}
                  <td class="num" data-testid="amount" data-label={t('requests.amount')}>
                    {formatFen(r.amount_fen)}
                  </td>
                  <td class="wrap" data-testid="reason" data-label={t('requests.reason')}>
                    {r.reason}
                  </td>
                  {!queue && (
                    <td data-label={t('requests.status')}>
                      <Badge tone={requestTone(r.status)} code={r.status} label={requestStatusLabel(r.status)} />
                      {r.note && (
                        <div class="muted wrap" data-testid="request-note">
                          {r.note}
                        </div>
                      )}
                      {r.out_refund_no && <div class="mono muted">{r.out_refund_no}</div>}
                    </td>
                  )}
                  <td class="when" data-label={t('requests.waited')}>
                    <span data-testid="waited">{waitedLabel(r.created_at, now)}</span>
                    <div class="muted">{t('requests.since', { time: formatTime(r.created_at) })}</div>
                  </td>
                  <td class="act">
                    {r.status !== 'requested' ? null : rejecting === r.id ? (
                      <form class="row" data-testid="reject-form" onSubmit={(e) => reject(e, r)}>
                        <input name="note" required placeholder={t('requests.note')} aria-label={t('requests.note')} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
                        <button class="danger" type="submit" disabled={busy || problem !== ''}>
                          {t('requests.confirmReject')}
                        </button>
                        <button type="button" onClick={() => setRejecting(null)}>
                          {t('common.cancel')}
                        </button>
                        {problem === 'tooLong' && <p class="error">{t('requests.noteTooLong', { max: MAX_NOTE })}</p>}
                      </form>
                    ) : (
                      <div class="actions">
                        <button class="primary" type="button" onClick={() => (setError(null), setApproving(r))}>
                          {t('requests.approve')}
                        </button>
                        <button type="button" onClick={() => (setError(null), setRejecting(r.id), setNote(''))}>
                          {t('requests.reject')}
                        </button>
                      </div>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {approving && (
        <ApproveDialog
          request={approving}
          onClose={() => setApproving(null)}
          onStale={props.onStale}
          onDone={(r) => {
            setApproving(null);
            props.onDecided(r);
          }}
        />
      )}
    </>
  );
}
