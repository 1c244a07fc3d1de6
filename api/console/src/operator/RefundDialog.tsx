// The refund dialog. The amount starts at what is left; it is typed in yuan and sent in fen.
// One Idempotency-Key per opening of the dialog: pressing "Refund" again after a timeout or an
// error sends the same key, so the server makes at most one refund for this dialog.
import { useState } from 'preact/hooks';
import { translator } from '../shared/i18n';
import { newUUID } from '../shared/ids';
import { fenToYuanInput, formatFen, parseYuan } from '../shared/money';
import { ErrorLine } from '../shared/ui';
import { api, type Schemas } from './client';
import { dict } from './messages';

const t = translator(dict);

export function RefundDialog(props: { orderId: string; left: number; onClose: () => void; onDone: (r: Schemas['Refund']) => void }) {
  const [idempotencyKey] = useState(newUUID); // made once, when the dialog opens
  const [amount, setAmount] = useState(fenToYuanInput(props.left));
  const [reason, setReason] = useState(t('refund.defaultReason'));
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const parsed = parseYuan(amount);
  const invalid = !parsed.ok
    ? t(`money.${parsed.error}`)
    : parsed.fen === 0
      ? t('refund.zero')
      : parsed.fen > props.left
        ? t('refund.tooMuch', { amount: formatFen(props.left) })
        : '';

  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    if (!parsed.ok || invalid) return;
    setBusy(true);
    setError(null);
    try {
      const { data, error } = await api.POST('/admin/v1/orders/{orderId}/refunds', {
        params: { path: { orderId: props.orderId }, header: { 'Idempotency-Key': idempotencyKey } },
        body: { amount_fen: parsed.fen, reason: reason.trim() },
      });
      if (data) props.onDone(data);
      else setError(error);
    } catch (err) {
      setError(err); // e.g. the network: the same key goes with the retry
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="backdrop">
      <form class="dialog" role="dialog" aria-modal="true" aria-labelledby="refund-title" data-testid="refund-dialog" onSubmit={submit}>
        <h2 id="refund-title">{t('refund.title')}</h2>
        <p class="muted">{t('order.left', { amount: formatFen(props.left) })}</p>
        <label>
          {t('refund.amount')}
          <input name="amount" inputMode="decimal" autocomplete="off" value={amount} onInput={(e) => setAmount(e.currentTarget.value)} />
        </label>
        {invalid && amount !== '' && <p class="error">{invalid}</p>}
        <label>
          {t('refund.reason')}
          <input name="reason" maxLength={80} required value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
        </label>
        <ErrorLine error={error} />
        <div class="actions">
          <button class="primary" type="submit" disabled={busy || invalid !== '' || reason.trim() === ''}>
            {t('refund.submit')}
          </button>
          <button type="button" onClick={props.onClose}>
            {t('common.cancel')}
          </button>
        </div>
      </form>
    </div>
  );
}
