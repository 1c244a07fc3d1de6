// The day's trade bill: "Make the day's bill" lets WeChat Pay's bill API hand it out now instead
// of at 10:00 Beijing the next day (POST /emulator/bills/{day}/ready), then shows the file as the
// download serves it uncompressed (GET /emulator/bills/{day}).
import { useState } from 'preact/hooks';
import { translator } from '../shared/i18n';
import { beijingDay } from '../shared/time';
import { emu } from './client';
import { dict } from './messages';
import type { Act } from './snapshot';

const t = translator(dict);

export function Bills(props: { act: Act }) {
  const [day, setDay] = useState(() => beijingDay(new Date()));
  const [csv, setCsv] = useState('');
  const make = () =>
    props.act(async () => {
      setCsv('');
      const path = { params: { path: { day } } };
      const ready = await emu.POST('/emulator/bills/{day}/ready', path);
      if (ready.error !== undefined) return ready;
      const bill = await emu.GET('/emulator/bills/{day}', { ...path, parseAs: 'text' });
      if (bill.error === undefined) setCsv(bill.data ?? '');
      return bill;
    }, t('bills.made', { day }));
  return (
    <section id="bills">
      <h2>{t('bills.title')}</h2>
      <p class="muted">{t('bills.intro')}</p>
      <form
        class="card row"
        onSubmit={(e) => {
          e.preventDefault();
          void make();
        }}
      >
        <label>
          {t('bills.day')}
          <input type="date" name="bill-day" value={day} onInput={(e) => setDay(e.currentTarget.value)} />
        </label>
        <button class="primary" type="submit" data-testid="make-bill">
          {t('bills.make')}
        </button>
      </form>
      {csv && (
        <pre class="mono scroll" data-testid="bill">
          {csv}
        </pre>
      )}
    </section>
  );
}
