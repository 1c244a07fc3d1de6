// "重新对账 / Re-run" for a day, and "对账 / Reconcile" for a chosen one: POST
// /admin/v1/bills/{day}/run queues a run (audited; a busy day's bill takes a while), then the
// day is read every 1.5 s until the run has finished (watchStep), the page reloading what it
// shows whenever the day changed, and the notice says how it ended. One run at a time per page.
import { useEffect, useRef, useState } from 'preact/hooks';
import { translator } from '../shared/i18n';
import { refreshAttentionCount } from './attention-count';
import { dayAfter, type RunWatch, watchStep } from './bill-facts';
import { api, type Schemas } from './client';
import { billStatusLabel } from './labels';
import { dict } from './messages';

const t = translator(dict);
const POLL_MS = 1500;
const MAX_READS = 40; // a minute

/** The day as the list has it, or undefined when it was never reconciled. */
async function readDay(day: string): Promise<Schemas['BillDay'] | undefined> {
  const { data, error } = await api.GET('/admin/v1/bills', { params: { query: { limit: 1, before: dayAfter(day) } } });
  if (!data) throw error;
  const first = data.items[0];
  return first?.day === day ? first : undefined;
}

export interface BillRun {
  /** The day being run, or null. */
  running: string | null;
  notice: string;
  /** Why the last run could not be queued, with its day. */
  failed: { day: string; error: unknown } | null;
  run: (day: string) => Promise<void>;
}

export function useBillRun(onChange: () => void): BillRun {
  const [running, setRunning] = useState<string | null>(null);
  const [notice, setNotice] = useState('');
  const [failed, setFailed] = useState<BillRun['failed']>(null);
  const live = useRef(true);
  useEffect(() => () => void (live.current = false), []);
  const changed = useRef(onChange);
  changed.current = onChange;
  const busy = useRef(false);

  const run = async (day: string): Promise<void> => {
    if (busy.current) return;
    busy.current = true;
    setRunning(day);
    setNotice('');
    setFailed(null);
    try {
      const before = await readDay(day);
      const { error } = await api.POST('/admin/v1/bills/{day}/run', { params: { path: { day } } });
      if (error) return setFailed({ day, error });
      setNotice(t('bills.queued', { day }));
      let watch: RunWatch = { runsBefore: before?.runs ?? 0, last: null, reads: 0 };
      let seen = JSON.stringify(before ?? null);
      for (;;) {
        await new Promise((r) => setTimeout(r, POLL_MS));
        if (!live.current) return;
        const now = await readDay(day);
        if (JSON.stringify(now ?? null) !== seen) {
          seen = JSON.stringify(now ?? null);
          changed.current();
        }
        const step = watchStep(watch, now, MAX_READS);
        if (!step.done) {
          watch = step.watch;
          continue;
        }
        if (step.finished && now) {
          setNotice(t('bills.ran', { day, status: billStatusLabel(now.status) }));
          void refreshAttentionCount(); // a run raises items, and finds resolved ones
        } else {
          setNotice(t('bills.slow', { day }));
        }
        changed.current();
        return;
      }
    } catch (err) {
      if (live.current) setFailed({ day, error: err });
    } finally {
      busy.current = false;
      if (live.current) setRunning(null);
    }
  };

  return { running, notice, failed, run };
}
