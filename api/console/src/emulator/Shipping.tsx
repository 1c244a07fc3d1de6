// WeChat's order shipping management (发货信息管理): each paid transaction's order with its state,
// whether the shipping APIs see it yet, what was uploaded (the logistics, the parcels, a re-ship)
// and when it was shipped, received and settled; and the buttons of the buyer (确认收货, as in
// WeChat's confirm-receipt page) and of the platform (结算, as at the estimated settlement time).
import { translator, useLang } from '../shared/i18n';
import { formatFen } from '../shared/money';
import { formatTime } from '../shared/time';
import { Badge } from '../shared/ui';
import { emu } from './client';
import { dict } from './messages';
import { canConfirm, canSettle, logisticsKey, stateKey, stateTone } from './shipping-facts';
import type { Act, Shipping as ShippingSnapshot } from './snapshot';

const t = translator(dict);

export function Shipping(props: { shipping: ShippingSnapshot; act: Act }) {
  useLang();
  const { act } = props;
  const { items, trade_managed, msg_jump_path } = props.shipping;
  return (
    <section id="shipping">
      <h2>{t('shipping.title')}</h2>
      <p class="muted">{t('shipping.intro')}</p>
      <p class="muted" data-testid="trade-managed" data-managed={String(trade_managed)}>
        {t(trade_managed ? 'shipping.managed' : 'shipping.unmanaged')}
        {msg_jump_path && <> {t('shipping.jumpPath', { path: msg_jump_path })}</>}
      </p>
      {items.length === 0 ? (
        <p class="muted">{t('shipping.empty')}</p>
      ) : (
        <div class="scroll">
          <table data-testid="shipping">
            <thead>
              <tr>
                <th>{t('shipping.txn')}</th>
                <th>{t('shipping.state')}</th>
                <th class="num">{t('txns.total')}</th>
                <th>{t('shipping.logistics')}</th>
                <th>{t('shipping.times')}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {items.map((o) => {
                const txn = o.transaction_id;
                const path = { params: { path: { transaction_id: txn } } };
                const key = stateKey(o.order_state);
                const kind = logisticsKey(o.logistics_type);
                return (
                  <tr data-shipping={o.out_trade_no} data-txn-id={txn} data-synced={String(o.synced)}>
                    <td class="mono" data-label={t('shipping.txn')}>
                      {txn}
                      <div class="muted">{o.out_trade_no}</div>
                    </td>
                    <td data-label={t('shipping.state')}>
                      <Badge tone={stateTone(o.order_state)} code={String(o.order_state)} label={key ? `${t(key)} (${o.order_state})` : String(o.order_state)} />
                      {!o.synced && (
                        <div class="muted" data-testid="not-synced">
                          {t('shipping.notSynced', { time: formatTime(o.synced_at) })}
                        </div>
                      )}
                    </td>
                    <td class="num" data-label={t('txns.total')}>
                      {formatFen(o.total)}
                    </td>
                    <td class="wrap" data-label={t('shipping.logistics')}>
                      {kind && <div data-logistics={o.logistics_type}>{t(kind)}</div>}
                      {o.shipping_list
                        .filter((p) => p.tracking_no || p.express_company)
                        .map((p) => (
                          <div class="mono" data-parcel={p.tracking_no}>
                            {p.express_company} {p.tracking_no}
                          </div>
                        ))}
                      {(o.reshipped || o.uploads.length > 0) && (
                        <div class="muted">
                          {o.reshipped && <>{t('shipping.reshipped')} · </>}
                          {t('shipping.uploads', { n: o.uploads.length })}
                        </div>
                      )}
                    </td>
                    <td class="when" data-label={t('shipping.times')}>
                      {o.shipped_at && <div>{t('shipping.shippedAt', { time: formatTime(o.shipped_at) })}</div>}
                      {o.confirmed_at && <div>{t('shipping.confirmedAt', { time: formatTime(o.confirmed_at) })}</div>}
                      {o.settled_at && <div>{t('shipping.settledAt', { time: formatTime(o.settled_at) })}</div>}
                      {!o.settled_at && o.estimated_settlement_at && <div class="muted">{t('shipping.estimated', { time: formatTime(o.estimated_settlement_at) })}</div>}
                    </td>
                    <td class="act">
                      <div class="actions">
                        {canConfirm(o) && (
                          <button
                            type="button"
                            class="primary"
                            onClick={() => act(() => emu.POST('/emulator/shipping/{transaction_id}/confirm', path), t('shipping.confirmed', { txn }))}
                          >
                            {t('shipping.confirm')}
                          </button>
                        )}
                        {canSettle(o) && (
                          <button type="button" onClick={() => act(() => emu.POST('/emulator/shipping/{transaction_id}/settle', path), t('shipping.settledNow', { txn }))}>
                            {t('shipping.settle')}
                          </button>
                        )}
                      </div>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
