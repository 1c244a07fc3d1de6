// Pieces both bills pages show: a day's status badge, its totals (WeChat's bill beside our
// books, the gap marked where they differ), and the button that runs a day again.
import { translator, useLang } from '../shared/i18n';
import { formatFen } from '../shared/money';
import { describe } from '../shared/problem';
import { Badge } from '../shared/ui';
import { billTone, type Totals } from './bill-facts';
import type { BillRun } from './bill-run';
import type { Schemas } from './client';
import { billStatusLabel } from './labels';
import { dict } from './messages';

const t = translator(dict);

export function BillStatus(props: { status: Schemas['BillDay']['status'] }) {
  return <Badge tone={billTone(props.status)} code={props.status} label={billStatusLabel(props.status)} />;
}

/** WeChat's total over ours; "—" for a day whose bill was never compared. */
export function TotalsView(props: { totals: Totals; compared: boolean; testid: string }) {
  useLang();
  const { wechat, ours, gap } = props.totals;
  if (!props.compared) return <span data-testid={props.testid} class="muted">—</span>;
  return (
    <span data-testid={props.testid} data-differs={gap !== 0 ? 'true' : 'false'} class={gap !== 0 ? 'differs' : ''}>
      <span class="side">
        {t('bills.wechat')} <span data-testid="wechat">{formatFen(wechat)}</span>
      </span>{' '}
      <span class="side">
        {t('bills.ours')} <span data-testid="ours">{formatFen(ours)}</span>
      </span>
      {gap !== 0 && (
        <span class="side gap" data-testid="gap">
          {t('bills.gap', { amount: formatFen(gap) })}
        </span>
      )}
    </span>
  );
}

/** 重新对账 / Re-run for one day; 对账中… while any run of the page is being watched. */
export function RerunButton(props: { day: string; run: BillRun }) {
  useLang();
  const { running } = props.run;
  return (
    <button type="button" data-testid="rerun" disabled={running !== null} onClick={() => void props.run.run(props.day)}>
      {running === props.day ? t('bills.running') : t('bills.rerun')}
    </button>
  );
}

/** What the page's last run said: queued, finished (with the day's status), or why it could not be queued. */
export function RunNotice(props: { run: BillRun }) {
  useLang();
  const { notice, failed } = props.run;
  return (
    <>
      {notice && (
        <p class="notice" role="status" data-testid="run-notice">
          {notice}
        </p>
      )}
      {failed && (
        <p class="error" role="alert" data-testid="run-error">
          {t('bills.runFailed', { day: failed.day })} {describe(failed.error)}
        </p>
      )}
    </>
  );
}
