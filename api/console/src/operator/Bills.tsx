// Each Beijing day reconciled with WeChat Pay's trade bill, newest first (GET /admin/v1/bills,
// paged back by `before`): its status, the bill's lines, the day's totals as the bill and our
// books have them (the gap marked), how many differences are still open, and why a bill was not
// believed. "重新对账 / Re-run" runs a day again; the form above runs any day that has begun.
import { useEffect, useState } from 'preact/hooks';
import { translator, useLang } from '../shared/i18n';
import { beijingDay, formatTime } from '../shared/time';
import { ErrorLine, Loading } from '../shared/ui';
import { compared, totals } from './bill-facts';
import { useBillRun } from './bill-run';
import { BillStatus, RerunButton, RunNotice, TotalsView } from './BillParts';
import { api, type Schemas } from './client';
import { billFailure } from './labels';
import { dict } from './messages';
import { BASE, onLinkClick } from './router';

const t = translator(dict);
const PAGE = 31;

export function Bills() {
  useLang();
  // befores[i] is the `before` that fetched page i; page 0 has none.
  const [befores, setBefores] = useState<(string | undefined)[]>([undefined]);
  const [days, setDays] = useState<Schemas['BillDay'][] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [reload, setReload] = useState(0);
  // The day to run: yesterday in Beijing (the day the daily run reconciles), at most today.
  const [chosen, setChosen] = useState(() => beijingDay(new Date(), -1));
  const run = useBillRun(() => setReload((n) => n + 1));

  const before = befores[befores.length - 1];
  useEffect(() => {
    let live = true;
    setError(null);
    api
      .GET('/admin/v1/bills', { params: { query: { limit: PAGE, before } } })
      .then(({ data, error }) => live && (error ? setError(error) : setDays(data?.items ?? null)), (err) => live && setError(err));
    return () => void (live = false);
  }, [before, reload]);

  const last = days?.[days.length - 1];
  return (
    <>
      <h1>{t('bills.title')}</h1>
      <p class="muted">{t('bills.hint')}</p>
      <form
        class="card row"
        data-testid="run-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (chosen) void run.run(chosen);
        }}
      >
        <label>
          {t('bills.runDay')}
          <input type="date" name="bill-day" required max={beijingDay(new Date())} value={chosen} onInput={(e) => setChosen(e.currentTarget.value)} />
        </label>
        <button class="primary" type="submit" data-testid="run-day" disabled={run.running !== null}>
          {run.running !== null && run.running === chosen ? t('bills.running') : t('bills.run')}
        </button>
      </form>
      <RunNotice run={run} />
      <ErrorLine error={error} />
      {days === null && error === null && <Loading />}
      {days && (
        <>
          <div class="scroll">
            <table data-testid="bill-days">
              <thead>
                <tr>
                  <th>{t('bills.day')}</th>
                  <th>{t('bills.status')}</th>
                  <th class="num">{t('bills.lines')}</th>
                  <th class="num">{t('bills.paid')}</th>
                  <th class="num">{t('bills.refunded')}</th>
                  <th class="num">{t('bills.open')}</th>
                  <th>{t('bills.checked')}</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {days.map((d) => {
                  const sums = totals(d);
                  const seen = compared(d);
                  return (
                    <tr key={d.day} data-day={d.day}>
                      <td class="mono" data-label={t('bills.day')}>
                        <a href={`${BASE}bills/${d.day}`} onClick={onLinkClick}>
                          {d.day}
                        </a>
                      </td>
                      <td class="wrap" data-label={t('bills.status')}>
                        <BillStatus status={d.status} />
                        {billFailure(d) && (
                          <div class="muted wrap" data-testid="bill-failure">
                            {billFailure(d)}
                          </div>
                        )}
                      </td>
                      <td class="num" data-testid="lines" data-label={t('bills.lines')}>
                        {seen ? (
                          <>
                            <span data-testid="line-count">{t('bills.linesOf', { lines: d.lines })}</span>
                            <div class="muted" data-testid="counts">
                              {t('bills.counts', { payments: d.payments, refunds: d.refunds })}
                            </div>
                          </>
                        ) : (
                          <span class="muted">—</span>
                        )}
                      </td>
                      <td class="num" data-label={t('bills.paid')}>
                        <TotalsView totals={sums.paid} compared={seen} testid="paid" />
                      </td>
                      <td class="num" data-label={t('bills.refunded')}>
                        <TotalsView totals={sums.refunded} compared={seen} testid="refunded" />
                      </td>
                      <td class="num" data-label={t('bills.open')}>
                        <span data-testid="open" class={d.open_differences > 0 ? 'differs' : ''}>
                          {t('bills.openOf', { open: d.open_differences, total: d.differences })}
                        </span>
                      </td>
                      <td class="when" data-label={t('bills.checked')}>
                        {formatTime(d.checked_at)}
                        <div class="muted">{t('bills.runs', { runs: d.runs })}</div>
                      </td>
                      <td class="act">
                        <RerunButton day={d.day} run={run} />
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          {days.length === 0 && <p class="muted">{t('bills.empty')}</p>}
          <div class="actions">
            <button type="button" disabled={befores.length < 2} onClick={() => setBefores(befores.slice(0, -1))}>
              {t('orders.prev')}
            </button>
            <button type="button" disabled={!last || days.length < PAGE} onClick={() => last && setBefores([...befores, last.day])}>
              {t('orders.next')}
            </button>
            <button type="button" data-testid="refresh" onClick={() => setReload((n) => n + 1)}>
              {t('common.refresh')}
            </button>
          </div>
        </>
      )}
    </>
  );
}
