// "Re-check now" for one refund WeChat Pay has not settled: asks WeChat Pay at once
// (POST /admin/v1/refunds/{outRefundNo}/check, audited) and hands the refund as it then stands
// to the page. When WeChat Pay does not answer (503) or the refund is unknown (404), the reason
// stays beside the button; pressing again asks again.
import { useState } from 'preact/hooks';
import { translator, useLang } from '../shared/i18n';
import { describe } from '../shared/problem';
import { api, type Schemas } from './client';
import { dict } from './messages';

const t = translator(dict);

export function Recheck(props: { no: string; onAnswer: (r: Schemas['AdminRefund']) => void }) {
  useLang();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const run = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    let answer: Schemas['AdminRefund'] | undefined;
    try {
      const { data, error } = await api.POST('/admin/v1/refunds/{outRefundNo}/check', { params: { path: { outRefundNo: props.no } } });
      if (data) answer = data;
      else setError(error);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
    if (answer) props.onAnswer(answer); // last: the page may take this row away
  };

  return (
    <div class="recheck">
      <button type="button" data-testid="recheck" disabled={busy} onClick={run}>
        {busy ? t('refunds.checking') : t('refunds.recheck')}
      </button>
      {error !== null && (
        <p class="error" role="alert" data-testid="recheck-error">
          {t('refunds.recheckFailed', { no: props.no })} {describe(error)}
        </p>
      )}
    </div>
  );
}
