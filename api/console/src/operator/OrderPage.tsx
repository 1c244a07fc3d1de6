// One order: its facts (its kind, and when it was received and completed), the buyer's refund
// requests (approve or reject those waiting here too; the rest with how they ended), lines, shipping
// (address, method, parcels, and where WeChat has the shipment: uploaded, waiting, or refused with
// WeChat's reason), payments ledger, refunds (each not settled with "Re-check now"), attention
// items (with the refund each is about and who resolved it) and timeline, and the ship and refund
// dialogs. While something is still moving (a refund PROCESSING, a payment pending, a shipment
// not yet uploaded), it reloads every 1.5 s, so the operator sees PROCESSING become SUCCESS
// without pressing a key.
import { useEffect, useState } from 'preact/hooks';
import { translator } from '../shared/i18n';
import { formatFen } from '../shared/money';
import { OrderStatus } from '../shared/states';
import { formatTime } from '../shared/time';
import { Badge, ErrorLine, Loading } from '../shared/ui';
import { refreshAttentionCount } from './attention-count';
import { api, type Schemas } from './client';
import { actorLabel, attentionWhy, courierLabel, eventLabel, itemKindLabel, productKindLabel, shipMethodLabel, sourceLabel, verdictLabel } from './labels';
import { dict } from './messages';
import { refundable } from './order-facts';
import { refreshRequestCount } from './request-count';
import { RequestList } from './RequestList';
import { OrderRefunds } from './OrderRefunds';
import { RefundDialog } from './RefundDialog';
import { ShipDialog } from './ShipDialog';
import { addressLine, orderKind, shipAction, uploadState } from './ship-facts';
import { verdictTone, withAnswers } from './refund-facts';
import { BASE, onLinkClick } from './router';
import { Timeline } from './Timeline';

const t = translator(dict);
const POLL_MS = 1500;

function moving(d: Schemas['AdminOrderDetail']): boolean {
  const o = d.order;
  const uploading = o.status === 'shipped' && o.shipment !== undefined && uploadState(o.shipment) === 'pending';
  return o.status === 'pending' || o.status === 'closing' || uploading || (o.refunds ?? []).some((r) => r.status === 'PROCESSING');
}

const uploadTones = { uploaded: 'ok', pending: 'wait', refused: 'bad' } as const;
const uploadKeys = { uploaded: 'order.uploaded', pending: 'order.uploadPending', refused: 'order.uploadRefused' } as const;

/** How the order reaches the buyer: where it goes, how it was shipped, its parcels, and whether
 * WeChat's order shipping management has it (the buyer's money is frozen until it does). */
function Shipping(props: { order: Schemas['AdminOrder'] }) {
  const o = props.order;
  const s = o.shipment;
  const a = o.address;
  const upload = s ? uploadState(s) : undefined;
  return (
    <section class="card" data-testid="shipping">
      <dl class="facts">
        {a && (
          <>
            <dt>{t('order.address')}</dt>
            <dd data-testid="address">
              {a.name} <span class="mono">{a.phone}</span>
              <br />
              {addressLine(a)}
              {a.postal_code && <span class="muted"> {t('order.postalCode', { code: a.postal_code })}</span>}
            </dd>
          </>
        )}
        {s ? (
          <>
            <dt>{t('order.method')}</dt>
            <dd data-testid="method" data-method={s.method}>
              {shipMethodLabel(s.method)}
              {s.reships > 0 && <span class="muted"> · {t('order.reshipped')}</span>}
            </dd>
            <dt>{t('order.shippedAt')}</dt>
            <dd>{formatTime(s.shipped_at)}</dd>
            <dt>{t('order.upload')}</dt>
            <dd data-testid="upload" data-upload={upload}>
              {upload && <Badge tone={uploadTones[upload]} code={upload} label={t(uploadKeys[upload])} />}
              {upload === 'uploaded' && <span class="muted"> {formatTime(s.uploaded_at)}</span>}
              {upload === 'refused' && (
                <div class="error" data-testid="refused">
                  {t('order.refusedWhy', { reason: s.refused ?? '' })}
                </div>
              )}
            </dd>
          </>
        ) : (
          <>
            <dt>{t('order.method')}</dt>
            <dd class="muted" data-testid="method">
              {orderKind(o) === 'virtual' && o.status === 'paid' ? t('order.virtualShips') : t('order.notShipped')}
            </dd>
          </>
        )}
      </dl>
      {s && s.parcels.length > 0 && (
        <div class="scroll">
          <table data-testid="parcels">
            <thead>
              <tr>
                <th>{t('order.courier')}</th>
                <th>{t('order.trackingNo')}</th>
              </tr>
            </thead>
            <tbody>
              {s.parcels.map((p) => (
                <tr data-tracking={p.tracking_no}>
                  <td title={p.company} data-label={t('order.courier')}>
                    {courierLabel(p.company)}
                  </td>
                  <td class="mono" data-label={t('order.trackingNo')}>
                    {p.tracking_no}
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

export function OrderPage(props: { id: string }) {
  const [detail, setDetail] = useState<Schemas['AdminOrderDetail'] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [dialog, setDialog] = useState(false);
  const [shipping, setShipping] = useState(false);
  const [notice, setNotice] = useState('');
  const [reload, setReload] = useState(0);
  // The latest re-check answer for each refund, shown until the next reload brings it.
  const [answers, setAnswers] = useState<ReadonlyMap<string, Schemas['AdminRefund']>>(new Map());

  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async (): Promise<void> => {
      try {
        const { data, error } = await api.GET('/admin/v1/orders/{orderId}', { params: { path: { orderId: props.id } } });
        if (!live) return;
        setError(error ?? null);
        if (data) setDetail(data);
        if (data && moving(data)) timer = setTimeout(load, POLL_MS);
      } catch (err) {
        if (live) setError(err);
      }
    };
    void load();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [props.id, reload]);

  if (!detail) return error ? <ErrorLine error={error} /> : <Loading />;
  const o = detail.order;
  const left = refundable(o);
  const ship = shipAction(o);
  const answered = (r: Schemas['AdminRefund']): void => {
    setAnswers((m) => new Map(m).set(r.out_refund_no, r));
    setNotice(t('order.checked', { no: r.out_refund_no, status: t(`refund.${r.status}`) }));
    setReload((n) => n + 1); // the order, its ledger and its items as WeChat Pay's answer left them
    void refreshAttentionCount();
  };
  return (
    <>
      <a href={BASE} onClick={onLinkClick}>
        {t('order.back')}
      </a>
      <h1>
        {t('order.title')} <span class="mono">{o.out_trade_no}</span> <OrderStatus status={o.status} />
      </h1>
      <ErrorLine error={error} />
      {notice && <p class="notice">{notice}</p>}
      <section class="card">
        <dl class="facts" data-testid="facts">
          <dt>{t('orders.total')}</dt>
          <dd data-testid="total">{formatFen(o.total_fen)}</dd>
          <dt>{t('orders.refunded')}</dt>
          <dd data-testid="refunded">{formatFen(o.refunded_fen)}</dd>
          <dt>{t('orders.created')}</dt>
          <dd>{formatTime(o.created_at)}</dd>
          <dt>{o.paid_at ? t('order.paidAt') : t('order.expiresAt')}</dt>
          <dd>{formatTime(o.paid_at ?? o.expires_at)}</dd>
          {o.received_at && (
            <>
              <dt>{t('order.receivedAt')}</dt>
              <dd data-testid="received-at">{formatTime(o.received_at)}</dd>
            </>
          )}
          {o.completed_at && (
            <>
              <dt>{t('order.completedAt')}</dt>
              <dd data-testid="completed-at">{formatTime(o.completed_at)}</dd>
            </>
          )}
          <dt>{t('order.kind')}</dt>
          <dd data-testid="kind" data-kind={orderKind(o)}>
            {productKindLabel(orderKind(o))}
          </dd>
          <dt>{t('orders.payer')}</dt>
          <dd class="mono">{o.payer_openid}</dd>
          <dt>{t('order.transactionId')}</dt>
          <dd class="mono">{o.transaction_id ?? ''}</dd>
        </dl>
        {(ship || left > 0) && (
          <p class="actions">
            {ship && (
              <button
                class="primary"
                type="button"
                data-testid="ship"
                disabled={ship.action === 'reship' && ship.used}
                title={ship.action === 'reship' && ship.used ? t('order.reshipUsed') : undefined}
                onClick={() => setShipping(true)}
              >
                {t(ship.action === 'reship' ? 'order.reship' : 'order.ship')}
              </button>
            )}
            {left > 0 && (
              <>
                <button class={ship ? '' : 'primary'} type="button" onClick={() => setDialog(true)}>
                  {t('order.refund')}
                </button>
                <span class="muted">{t('order.left', { amount: formatFen(left) })}</span>
              </>
            )}
          </p>
        )}
        {ship?.action === 'reship' && ship.used && (
          <p class="muted" data-testid="reship-used">
            {t('order.reshipUsed')}
          </p>
        )}
      </section>

      {detail.refund_requests.length > 0 && (
        <>
          <h2>{t('order.requests')}</h2>
          <p class="muted">{t('order.requestsHint')}</p>
          <RequestList
            items={detail.refund_requests}
            where="order"
            onStale={() => setReload((n) => n + 1)}
            onDecided={(r) => {
              setNotice(
                r.status === 'rejected'
                  ? t('requests.rejected', { order: r.out_trade_no })
                  : t('requests.approved', { order: r.out_trade_no, no: r.out_refund_no ?? '', amount: formatFen(r.amount_fen) }),
              );
              setReload((n) => n + 1); // the refund the approval made, and the list without the request
              void refreshRequestCount();
            }}
          />
        </>
      )}

      <h2>{t('order.lines')}</h2>
      <div class="scroll">
        <table>
          <thead>
            <tr>
              <th>{t('order.product')}</th>
              <th class="num">{t('order.unitPrice')}</th>
              <th class="num">{t('order.quantity')}</th>
              <th class="num">{t('order.subtotal')}</th>
            </tr>
          </thead>
          <tbody>
            {o.items.map((l) => (
              <tr>
                <td class="wrap" data-label={t('order.product')}>
                  {l.name}
                </td>
                <td class="num" data-label={t('order.unitPrice')}>
                  {formatFen(l.unit_price_fen)}
                </td>
                <td class="num" data-label={t('order.quantity')}>
                  {l.quantity}
                </td>
                <td class="num" data-label={t('order.subtotal')}>
                  {formatFen(l.subtotal_fen)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <h2>{t('order.shipping')}</h2>
      <Shipping order={o} />

      <h2>{t('order.refunds')}</h2>
      <OrderRefunds refunds={withAnswers(detail.refunds, answers)} onAnswer={answered} />

      <h2>{t('order.ledger')}</h2>
      <div class="scroll">
        <table data-testid="ledger">
          <thead>
            <tr>
              <th>{t('order.received')}</th>
              <th>{t('order.source')}</th>
              <th>{t('order.event')}</th>
              <th>{t('order.verdict')}</th>
              <th class="num">{t('order.amount')}</th>
              <th>{t('order.reason')}</th>
            </tr>
          </thead>
          <tbody>
            {detail.ledger.map((l) => (
              <tr>
                <td data-label={t('order.received')}>{formatTime(l.received_at)}</td>
                <td title={l.source} data-label={t('order.source')}>
                  {sourceLabel(l.source)}
                </td>
                <td title={l.event_type} data-event={l.event_type} data-label={t('order.event')}>
                  {eventLabel(l.event_type)}
                </td>
                <td data-label={t('order.verdict')}>
                  <Badge tone={verdictTone(l.verdict)} code={l.verdict} label={verdictLabel(l.verdict)} />
                </td>
                <td class="num" data-label={t('order.amount')}>
                  {l.amount_fen === undefined ? '' : formatFen(l.amount_fen)}
                </td>
                {/* The check's or WeChat's own words, as the server kept them. */}
                <td class="wrap" data-label={t('order.reason')}>
                  {l.reason}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      {detail.attention.length > 0 && (
        <>
          <h2>{t('order.attention')}</h2>
          <ul data-testid="order-attention">
            {detail.attention.map((a) => (
              <li data-item={a.id} data-refund={a.out_refund_no} data-resolved-by={a.resolved_by}>
                <Badge tone={a.resolved_at ? 'off' : 'bad'} code={a.kind} label={itemKindLabel(a.kind)} />{' '}
                {a.out_refund_no && <span class="mono">{t('order.about', { no: a.out_refund_no })} </span>}
                <span data-testid="why">{attentionWhy(a)}</span>
                {a.resolved_at && (
                  <span class="muted" data-testid="resolved">
                    {' '}
                    — {t(a.note ? 'order.resolvedNote' : 'order.resolvedBy', { by: a.resolved_by ? actorLabel(a.resolved_by, 'resolver') : '—', note: a.note ?? '' })}
                  </span>
                )}
              </li>
            ))}
          </ul>
        </>
      )}

      <h2>{t('order.timeline')}</h2>
      <Timeline detail={detail} />

      {shipping && ship && (
        <ShipDialog
          order={o}
          again={ship.action === 'reship'}
          onClose={() => setShipping(false)}
          onDone={(shipped) => {
            setShipping(false);
            const method = shipped.shipment ? shipMethodLabel(shipped.shipment.method) : '';
            setNotice(t(ship.action === 'reship' ? 'order.reshippedNotice' : 'order.shippedNotice', { method }));
            setReload((n) => n + 1);
          }}
        />
      )}
      {dialog && (
        <RefundDialog
          orderId={o.id}
          left={left}
          onClose={() => setDialog(false)}
          onDone={(r) => {
            setDialog(false);
            setNotice(t('refund.created', { no: r.out_refund_no }));
            setReload((n) => n + 1);
          }}
        />
      )}
    </>
  );
}
