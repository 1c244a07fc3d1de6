// Bad days on demand: how WeChat Pay signs, dropping the next notification, and any fault the
// emulator knows (see POST /emulator/faults), with what is still queued.
import { useState } from 'preact/hooks';
import { translator } from '../shared/i18n';
import { emu, type Schemas } from './client';
import { dict } from './messages';
import { BILL_CORRUPTIONS, ENDPOINTS, faultFrom, LINE_CORRUPTIONS } from './faults';
import type { Act } from './snapshot';

const t = translator(dict);
type Fault = Schemas['Fault'];
export function Controls(props: { faults: Fault[]; signMode: Schemas['SignMode']['mode']; act: Act }) {
  const { act } = props;
  const [form, setForm] = useState({ endpoint: 'jsapi' as Fault['endpoint'], code: 'SYSTEM_ERROR', http: '', delay: '', times: '1', outcome: '', trade: '' });
  const queue = (fault: Fault) => act(() => emu.POST('/emulator/faults', { body: fault }), t('controls.ok'));
  const text = (k: 'code' | 'http' | 'delay' | 'times') => ({ name: k, value: form[k], onInput: (e: Event) => setForm({ ...form, [k]: (e.currentTarget as HTMLInputElement).value }) });
  return (
    <section id="controls">
      <h2>{t('controls.title')}</h2>
      <div class="card row">
        <label>
          {t('controls.signMode')}
          <select
            name="sign-mode"
            value={props.signMode}
            onChange={(e) => act(() => emu.PUT('/emulator/pay/sign-mode', { body: { mode: e.currentTarget.value as Schemas['SignMode']['mode'] } }))}
          >
            <option value="public_key">{t('controls.public_key')}</option>
            <option value="platform_cert">{t('controls.platform_cert')}</option>
          </select>
        </label>
        <button type="button" data-testid="drop-next" onClick={() => queue({ endpoint: 'notify', drop: 1 })}>
          {t('controls.drop')}
        </button>
        <button type="button" onClick={() => queue({ endpoint: 'refund_notify', drop: 1 })}>
          {t('controls.dropRefund')}
        </button>
      </div>
      <form
        class="card row"
        onSubmit={(e) => {
          e.preventDefault();
          void queue(faultFrom(form));
        }}
      >
        <label>
          {t('controls.endpoint')}
          <select name="endpoint" value={form.endpoint} onChange={(e) => setForm({ ...form, endpoint: e.currentTarget.value as Fault['endpoint'], outcome: '' })}>
            {ENDPOINTS.map((ep) => (
              <option value={ep}>{ep}</option>
            ))}
          </select>
        </label>
        {form.endpoint === 'refund' && (
          <label>
            {t('controls.outcome')}
            <select name="outcome" value={form.outcome} onChange={(e) => setForm({ ...form, outcome: e.currentTarget.value })}>
              <option value="">—</option>
              <option value="ABNORMAL">ABNORMAL</option>
              <option value="CLOSED">CLOSED</option>
            </select>
          </label>
        )}
        {form.endpoint === 'bill' && (
          <label>
            {t('controls.corrupt')}
            <select name="corrupt" value={form.outcome} onChange={(e) => setForm({ ...form, outcome: e.currentTarget.value })}>
              <option value="">—</option>
              {BILL_CORRUPTIONS.map((c) => (
                <option value={c}>{c}</option>
              ))}
            </select>
          </label>
        )}
        {form.endpoint === 'bill' && LINE_CORRUPTIONS.some((c) => c === form.outcome) && (
          <label>
            {t('controls.billLine')}
            <input name="bill-trade" size={24} maxLength={32} value={form.trade} onInput={(e) => setForm({ ...form, trade: e.currentTarget.value })} />
          </label>
        )}
        <label>
          {t('controls.code')}
          <input size={14} {...text('code')} />
        </label>
        <label>
          {t('controls.httpStatus')}
          <input size={4} inputMode="numeric" {...text('http')} />
        </label>
        <label>
          {t('controls.delay')}
          <input size={6} inputMode="numeric" {...text('delay')} />
        </label>
        <label>
          {t('controls.times')}
          <input size={3} inputMode="numeric" {...text('times')} />
        </label>
        <button class="primary" type="submit">
          {t('controls.queue')}
        </button>
      </form>
      <h2>{t('controls.queued')}</h2>
      {props.faults.length === 0 ? (
        <p class="muted">{t('common.none')}</p>
      ) : (
        <ul data-testid="faults">
          {props.faults.map((f) => (
            <li class="mono">{JSON.stringify(f)}</li>
          ))}
        </ul>
      )}
      <button type="button" class="danger" onClick={() => act(() => emu.DELETE('/emulator/faults'))}>
        {t('controls.clear')}
      </button>
    </section>
  );
}
