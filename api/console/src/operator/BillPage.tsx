// One reconciled day (GET /admin/v1/bills/{day}): what its status means, its counts and totals,
// and every difference between the bill and our books with what became of it: its kind, the
// numbers (the order linked when it is ours), the bill's line, what each side has, the outcome
// (and the attention item it raised, linked to the list of what needs a person), and the
// service's account of what was done. "重新对账 / Re-run" runs the day again.
import { useEffect, useState } from 'preact/hooks';
import { translator, useLang } from '../shared/i18n';
import { formatFen } from '../shared/money';
import { formatTime } from '../shared/time';
import { Badge, ErrorLine, Loading } from '../shared/ui';
import { compared, outcomeTone, sideAmounts, totals } from './bill-facts';
import { useBillRun } from './bill-run';
import { BillStatus, RerunButton, RunNotice, TotalsView } from './BillParts';
import { api, type Schemas } from './client';
import { billFailure, billStatusHint, diffKindLabel, itemKindLabel, outcomeLabel, sideLabel, subjectLabel } from './labels';
import { dict } from './messages';
import { BASE, onLinkClick } from './router';

const t = translator(dict);

/** One side of a difference: what it has (a status, an id, a phrase) over its amount. */
function Side(props: { subject: Schemas['BillDifference']['subject']; value: string; fen: number | undefined; testid: string }) {
  const label = sideLabel(props.subject, props.value);
  return (
    <span data-testid={props.testid}>
      {props.value && (
        // In words where the console knows it; an id as it is, in the ids' type.
        <span class={label === props.value ? 'mono' : ''} title={props.value}>
          {label}
        </span>
      )}
      {props.value && props.fen !== undefined && <br />}
      {props.fen !== undefined && <span data-testid="fen">{formatFen(props.fen)}</span>}
    </span>
  );
}

export function BillPage(props: { day: string }) {
  useLang();
  const [report, setReport] = useState<Schemas['BillDayReport'] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [reload, setReload] = useState(0);
  const run = useBillRun(() => setReload((n) => n + 1));

  useEffect(() => {
    let live = true;
    api
      .GET('/admin/v1/bills/{day}', { params: { path: { day: props.day } } })
      .then(
        ({ data, error }) => {
          if (!live) return;
          setError(error ?? null);
          if (data) setReport(data);
        },
        (err) => live && setError(err),
      );
    return () => void (live = false);
  }, [props.day, reload]);

  const back = (
    <a href={`${BASE}bills`} onClick={onLinkClick}>
      {t('bill.back')}
    </a>
  );
  if (!report) {
    return (
      <>
        {back}
        <h1>{t('bill.heading', { day: props.day })}</h1>
        <ErrorLine error={error} />
        {error === null && <Loading />}
        {/* A day never reconciled (404) can be run from here all the same. */}
        {error !== null && (
          <p class="actions">
            <RerunButton day={props.day} run={run} />
          </p>
        )}
        <RunNotice run={run} />
      </>
    );
  }
  const d = report.day;
  const sums = totals(d);
  const seen = compared(d);
  return (
    <>
      {back}
      <h1>
        {t('bill.heading', { day: d.day })} <BillStatus status={d.status} />
      </h1>
      <ErrorLine error={error} />
      <RunNotice run={run} />
      <section class="card">
        <p class="lead" data-testid="bill-hint">{billStatusHint(d.status)}</p>
        {billFailure(d) && (
          <p class="error" data-testid="bill-failure">
            {billFailure(d)}
          </p>
        )}
        <dl class="facts" data-testid="bill-facts">
          <dt>{t('bills.lines')}</dt>
          <dd data-testid="lines">{seen ? t('bills.linesWith', { lines: d.lines, payments: d.payments, refunds: d.refunds }) : '—'}</dd>
          <dt>{t('bills.paid')}</dt>
          <dd>
            <TotalsView totals={sums.paid} compared={seen} testid="paid" />
          </dd>
          <dt>{t('bills.refunded')}</dt>
          <dd>
            <TotalsView totals={sums.refunded} compared={seen} testid="refunded" />
          </dd>
          <dt>{t('bills.open')}</dt>
          <dd data-testid="open" class={d.open_differences > 0 ? 'differs' : ''}>
            {t('bills.openOf', { open: d.open_differences, total: d.differences })}
          </dd>
          <dt>{t('bills.checked')}</dt>
          <dd>
            {formatTime(d.checked_at)} <span class="muted">{t('bills.runs', { runs: d.runs })}</span>
          </dd>
        </dl>
        <p class="actions">
          <RerunButton day={d.day} run={run} />
        </p>
      </section>

      <h2>{t('bill.differences')}</h2>
      {report.differences.length === 0 ? (
        <p class="muted" data-testid="no-differences">
          {t('bill.none')}
        </p>
      ) : (
        <div class="scroll">
          <table data-testid="differences">
            <thead>
              <tr>
                <th>{t('bill.kind')}</th>
                <th>{t('bill.numbers')}</th>
                <th>{t('bill.line')}</th>
                <th class="num">{t('bill.ours')}</th>
                <th class="num">{t('bill.wechat')}</th>
                <th>{t('bill.outcome')}</th>
                <th>{t('bill.action')}</th>
              </tr>
            </thead>
            <tbody>
              {report.differences.map((x) => {
                const fen = sideAmounts(x);
                return (
                  <tr key={x.id} data-difference={x.id} data-kind={x.kind} data-subject={x.subject} data-trade={x.out_trade_no} data-refund={x.out_refund_no || undefined}>
                    <td data-label={t('bill.kind')}>
                      <Badge tone="bad" code={x.kind} label={diffKindLabel(x.kind)} />{' '}
                      <span data-testid="subject" data-state={x.subject}>
                        {subjectLabel(x.subject)}
                      </span>
                    </td>
                    <td class="mono wrap" data-testid="numbers" data-label={t('bill.numbers')}>
                      {x.order_id ? (
                        <a href={`${BASE}orders/${x.order_id}`} onClick={onLinkClick} data-testid="order-link">
                          {x.out_trade_no}
                        </a>
                      ) : (
                        <>
                          {x.out_trade_no}
                          <span class="muted">{t('bill.noOrder')}</span>
                        </>
                      )}
                      {x.out_refund_no && <div>{t('bill.refundNo', { no: x.out_refund_no })}</div>}
                      {x.transaction_id && <div class="muted">{t('bill.txn', { txn: x.transaction_id })}</div>}
                    </td>
                    <td data-testid="line" data-label={t('bill.line')}>
                      {x.line_no > 0 ? t('bill.lineNo', { line: x.line_no }) : <span class="muted">{t('bill.noLine')}</span>}
                    </td>
                    <td class="num" data-label={t('bill.ours')}>
                      <Side subject={x.subject} value={x.ours} fen={fen.ours} testid="ours" />
                    </td>
                    <td class="num" data-label={t('bill.wechat')}>
                      <Side subject={x.subject} value={x.wechat} fen={fen.wechat} testid="wechat" />
                    </td>
                    <td class="when" data-label={t('bill.outcome')}>
                      <Badge tone={outcomeTone(x.outcome)} code={x.outcome} label={outcomeLabel(x.outcome)} />
                      {x.attention_kind && (
                        <div>
                          <a href={`${BASE}attention`} onClick={onLinkClick} data-testid="attention-kind" data-kind={x.attention_kind}>
                            {t('bill.item', { kind: itemKindLabel(x.attention_kind) })}
                          </a>
                        </div>
                      )}
                      {x.acted_at && <div class="muted">{t('bill.acted', { time: formatTime(x.acted_at) })}</div>}
                    </td>
                    {/* The service's account, in English, as it kept it. */}
                    <td class="wrap" data-testid="action" data-label={t('bill.action')}>
                      {x.action}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
