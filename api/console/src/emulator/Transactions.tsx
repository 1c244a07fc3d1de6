// Transactions with their state, and the buttons a phone would press: pay or fail a pending
// one, and push a paid one's notification again; and what a person does by hand on the merchant
// platform: refund a paid one, which the service never asked for.
import { has, translator } from '../shared/i18n';
import { fenToYuanInput, formatFen, parseYuan } from '../shared/money';
import { Badge } from '../shared/ui';
import { emu, type Schemas } from './client';
import { dict } from './messages';
import type { Act } from './snapshot';

const t = translator(dict);

const tones: Record<Schemas['TradeState'], 'ok' | 'wait' | 'bad' | 'off'> = {
  NOTPAY: 'wait',
  USERPAYING: 'wait',
  SUCCESS: 'ok',
  REFUND: 'off',
  CLOSED: 'off',
  REVOKED: 'off',
  PAYERROR: 'bad',
};

/** WeChat Pay's trade_state in words, its code beside it: the code is what the API says. */
export function TradeState(props: { state: Schemas['TradeState'] }) {
  const key = `trade.${props.state}`;
  return <Badge tone={tones[props.state] ?? 'off'} code={props.state} label={has(dict, key) ? `${t(key)} ${props.state}` : props.state} />;
}

/** 退款（商户平台） / Refund on the platform: asks how much (yuan, all that is left to start
 * with), then POST /emulator/transactions/{no}/refund. The refund gets a refund_id, a line in
 * its day's bill and an answer to the refund query, but no notification: the service learns of
 * it only by asking, or from the bill. */
function PlatformRefund(props: { no: string; left: number; act: Act }) {
  const { no, act } = props;
  const ask = (): void => {
    const asked = window.prompt(`${t('txns.platformRefundHint')}\n\n${t('txns.platformRefundAmount')}`, fenToYuanInput(props.left));
    if (asked === null) return;
    const amount = parseYuan(asked);
    if (!amount.ok || amount.fen === 0) {
      const why = amount.ok ? t('txns.platformRefundZero') : t(`money.${amount.error}`);
      void act(async () => ({ error: { error: why } }));
      return;
    }
    void act(
      () => emu.POST('/emulator/transactions/{no}/refund', { params: { path: { no } }, body: { amount_fen: amount.fen } }),
      t('txns.done', { action: t('txns.platformRefund'), no }),
    );
  };
  return (
    <button type="button" class="danger" data-testid="platform-refund" title={t('txns.platformRefundHint')} onClick={ask}>
      {t('txns.platformRefund')}
    </button>
  );
}

export function Transactions(props: { items: Schemas['TransactionSummary'][]; act: Act }) {
  const { act } = props;
  return (
    <section id="transactions">
      <h2>{t('txns.title')}</h2>
      <div class="scroll">
        <table data-testid="transactions">
          <thead>
            <tr>
              <th>{t('txns.no')}</th>
              <th>{t('txns.state')}</th>
              <th class="num">{t('txns.total')}</th>
              <th class="num">{t('txns.refunded')}</th>
              <th class="num">{t('txns.notified')}</th>
              <th>{t('txns.payer')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {props.items.map((x) => {
              const no = x.out_trade_no;
              const pending = x.trade_state === 'NOTPAY' || x.trade_state === 'USERPAYING';
              const paid = x.trade_state === 'SUCCESS' || x.trade_state === 'REFUND';
              const path = { params: { path: { no } } };
              return (
                <tr data-txn={no}>
                  <td class="mono" data-label={t('txns.no')}>
                    {no}
                  </td>
                  <td data-label={t('txns.state')}>
                    <TradeState state={x.trade_state} />
                  </td>
                  <td class="num" data-label={t('txns.total')}>
                    {formatFen(x.total)}
                  </td>
                  <td class="num" data-label={t('txns.refunded')}>
                    {x.refunded ? formatFen(x.refunded) : ''}
                  </td>
                  <td class="num" data-label={t('txns.notified')}>
                    {x.deliveries}
                  </td>
                  <td class="mono" data-label={t('txns.payer')}>
                    {x.payer_openid}
                  </td>
                  <td class="act">
                    <div class="actions">
                      {pending && (
                        <>
                          <button type="button" class="primary" onClick={() => act(() => emu.POST('/emulator/transactions/{no}/pay', path), t('txns.done', { action: t('txns.pay'), no }))}>
                            {t('txns.pay')}
                          </button>
                          <button
                            type="button"
                            class="danger"
                            onClick={() => act(() => emu.PUT('/emulator/transactions/{no}/state', { ...path, body: { trade_state: 'PAYERROR' } }), t('txns.done', { action: t('txns.fail'), no }))}
                          >
                            {t('txns.fail')}
                          </button>
                        </>
                      )}
                      {paid && (
                        <button type="button" onClick={() => act(() => emu.POST('/emulator/transactions/{no}/notify', path), t('txns.done', { action: t('txns.resend'), no }))}>
                          {t('txns.resend')}
                        </button>
                      )}
                      {x.trade_state === 'SUCCESS' && <PlatformRefund no={no} left={Math.max(0, x.total - x.refunded)} act={act} />}
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
