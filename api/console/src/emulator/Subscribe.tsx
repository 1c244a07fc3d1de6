// Subscribe messages (订阅消息): the mini-program's templates (and a form to add one), the popup
// wx.requestSubscribeMessage shows on a user's phone (answer it for a user: each accept of a
// one-time template allows the shop one message), each user's subscriptions (sends left, accepts,
// sends made, whether a send now would be taken or answer 43101), and the messages the users'
// phones show, as WeChat delivered them.
import { useState } from 'preact/hooks';
import { translator, useLang } from '../shared/i18n';
import { formatTime } from '../shared/time';
import { Badge, ErrorLine } from '../shared/ui';
import {
  keywordLabel,
  messagesOf,
  parseTemplateFields,
  popupResults,
  resultLabel,
  resultTone,
  sendsLeft,
  stateLabel,
  SUBSCRIBE_RESULTS,
  type SubscribeResult,
} from './buyer-facts';
import { emu, type Schemas } from './client';
import { dict } from './messages';
import type { Act, Subscribe as SubscribeSnapshot } from './snapshot';

const t = translator(dict);

function Templates(props: { items: Schemas['SubscribeTemplate'][]; act: Act }) {
  const [form, setForm] = useState({ id: '', title: '', fields: '', longTerm: false });
  const parsed = parseTemplateFields(form.fields);
  const problem = parsed.ok || form.fields.trim() === '' ? '' : t(`sub.fields.${parsed.error}`, { line: parsed.line });
  const add = (e: Event): void => {
    e.preventDefault();
    if (!parsed.ok) return;
    const body = {
      title: form.title.trim(),
      fields: parsed.fields,
      ...(Object.keys(parsed.enums).length > 0 ? { enums: parsed.enums } : {}),
      ...(form.id.trim() ? { id: form.id.trim() } : {}),
      ...(form.longTerm ? { long_term: true } : {}),
    };
    void props.act(async () => {
      const r = await emu.POST('/emulator/subscribe-templates', { body });
      if (r.data) setForm({ id: '', title: '', fields: '', longTerm: false });
      return r;
    }, t('sub.added', { title: body.title }));
  };
  return (
    <>
      <h3>{t('sub.templates')}</h3>
      {props.items.length === 0 ? (
        <p class="muted">{t('common.none')}</p>
      ) : (
        <div class="scroll">
          <table data-testid="templates">
            <thead>
              <tr>
                <th>{t('sub.id')}</th>
                <th>{t('sub.templateTitle')}</th>
                <th>{t('sub.kind')}</th>
                <th>{t('sub.keywords')}</th>
              </tr>
            </thead>
            <tbody>
              {props.items.map((tm) => (
                <tr data-template={tm.id}>
                  <td class="mono" data-label={t('sub.id')}>
                    {tm.id}
                  </td>
                  <td data-label={t('sub.templateTitle')}>{tm.title}</td>
                  <td data-label={t('sub.kind')}>{t(tm.long_term ? 'sub.longTerm' : 'sub.oneTime')}</td>
                  <td class="wrap" data-label={t('sub.keywords')}>
                    {tm.keywords.map((k) => (
                      <div data-key={k.key}>
                        {k.name} <span class="mono muted">{k.key}</span> <span class="muted">· {keywordLabel(k.type)}</span>
                        {k.values && k.values.length > 0 && <span class="muted"> ({k.values.join(' | ')})</span>}
                      </div>
                    ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <details class="card" data-testid="declare-template">
        <summary>{t('sub.declare')}</summary>
        <form class="row" onSubmit={add}>
          <label>
            {t('sub.id')}
            <input name="template-id" maxLength={64} placeholder={t('sub.idHint')} value={form.id} onInput={(e) => setForm({ ...form, id: e.currentTarget.value })} />
          </label>
          <label>
            {t('sub.templateTitle')}
            <input name="template-title" required maxLength={32} value={form.title} onInput={(e) => setForm({ ...form, title: e.currentTarget.value })} />
          </label>
          <label class="grow">
            {t('sub.fields')}
            <textarea name="template-fields" rows={3} value={form.fields} onInput={(e) => setForm({ ...form, fields: e.currentTarget.value })} />
          </label>
          <label class="inline">
            <input type="checkbox" name="long-term" checked={form.longTerm} onChange={(e) => setForm({ ...form, longTerm: e.currentTarget.checked })} />
            {t('sub.longTermBox')}
          </label>
          <button class="primary" type="submit" disabled={!parsed.ok || form.title.trim() === ''}>
            {t('sub.add')}
          </button>
        </form>
        {problem && <p class="error">{problem}</p>}
      </details>
    </>
  );
}

function Popup(props: { templates: Schemas['SubscribeTemplate'][] }) {
  const [user, setUser] = useState('alice');
  const [choices, setChoices] = useState<Record<string, SubscribeResult | ''>>({});
  const [answer, setAnswer] = useState<Record<string, string> | null>(null);
  const [error, setError] = useState<unknown>(null);
  const record = async (e: Event): Promise<void> => {
    e.preventDefault();
    setError(null);
    setAnswer(null);
    try {
      const { data, error } = await emu.POST('/emulator/subscriptions', { body: { user: user.trim(), results: popupResults(choices) } });
      if (data) setAnswer(data.result);
      else setError(error);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form class="card" onSubmit={record} data-testid="popup">
      <p class="lead">
        <strong>{t('sub.popup')}</strong>
      </p>
      <p class="muted">{t('sub.popupHint')}</p>
      <div class="row">
        <label>
          {t('sub.user')}
          <input name="sub-user" required maxLength={64} value={user} onInput={(e) => setUser(e.currentTarget.value)} />
        </label>
        {props.templates.map((tm) => (
          <label data-template={tm.id}>
            {tm.title}
            <select name={`result-${tm.id}`} value={choices[tm.id] ?? ''} onChange={(e) => setChoices({ ...choices, [tm.id]: e.currentTarget.value as SubscribeResult | '' })}>
              <option value="">{t('sub.notShown')}</option>
              {SUBSCRIBE_RESULTS.map((r) => (
                <option value={r}>{resultLabel(r)}</option>
              ))}
            </select>
          </label>
        ))}
        <button class="primary" type="submit" disabled={user.trim() === ''}>
          {t('sub.record')}
        </button>
      </div>
      {answer && (
        <p data-testid="popup-answer">
          {t('sub.answered')} <code class="mono">{JSON.stringify(answer)}</code>
        </p>
      )}
      <ErrorLine error={error} />
    </form>
  );
}

function Subscriptions(props: { items: Schemas['Subscription'][] }) {
  if (props.items.length === 0) return <p class="muted">{t('common.none')}</p>;
  return (
    <div class="scroll">
      <table data-testid="subscriptions">
        <thead>
          <tr>
            <th>{t('sub.user')}</th>
            <th>{t('sub.template')}</th>
            <th class="num">{t('sub.left')}</th>
            <th class="num">{t('sub.accepted')}</th>
            <th class="num">{t('sub.rejected')}</th>
            <th class="num">{t('sub.sent')}</th>
            <th>{t('sub.canSend')}</th>
            <th>{t('sub.last')}</th>
          </tr>
        </thead>
        <tbody>
          {props.items.map((s) => {
            const left = sendsLeft(s);
            return (
              <tr data-subscriber={s.user} data-template={s.template_id}>
                <td data-label={t('sub.user')}>{s.user}</td>
                <td data-label={t('sub.template')}>
                  {s.title} <span class="mono muted">{s.template_id}</span>
                </td>
                <td class="num" data-testid="left" data-label={t('sub.left')}>
                  {left.kind === 'count' ? left.n : t(left.open ? 'sub.leftLong' : 'sub.leftLongOff')}
                </td>
                <td class="num" data-testid="accepted" data-label={t('sub.accepted')}>
                  {s.accepted}
                </td>
                <td class="num" data-testid="rejected" data-label={t('sub.rejected')}>
                  {s.rejected}
                </td>
                <td class="num" data-testid="sent" data-label={t('sub.sent')}>
                  {s.sent}
                </td>
                <td data-label={t('sub.canSend')}>
                  <Badge tone={s.can_send ? 'ok' : 'bad'} code={s.can_send ? 'can_send' : 'refused'} label={t(s.can_send ? 'sub.can' : 'sub.cannot')} />
                </td>
                <td data-label={t('sub.last')}>
                  {s.last_result && <Badge tone={resultTone(s.last_result)} code={s.last_result} label={resultLabel(s.last_result)} />}
                  {s.last_at && <div class="muted">{formatTime(s.last_at)}</div>}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function Messages(props: { items: Schemas['SubscribeMessage'][]; users: string[] }) {
  const [whose, setWhose] = useState('');
  const shown = messagesOf(props.items, whose);
  return (
    <>
      <label class="inline">
        {t('sub.whose')}
        <select name="message-user" value={whose} onChange={(e) => setWhose(e.currentTarget.value)}>
          <option value="">{t('sub.everyone')}</option>
          {props.users.map((u) => (
            <option value={u}>{u}</option>
          ))}
        </select>
      </label>
      {shown.length === 0 ? (
        <p class="muted">{t('common.none')}</p>
      ) : (
        <ul class="messages" data-testid="messages">
          {shown.map((m) => (
            <li class="card" data-message={m.id} data-to={m.user} data-template={m.template_id}>
              <strong data-testid="message-title">{m.title}</strong>
              <div class="muted">
                {m.user} · {formatTime(m.sent_at)}
              </div>
              <dl class="facts">
                {m.fields.map((f) => (
                  <>
                    <dt>{f.name}</dt>
                    <dd data-key={f.key}>{f.value}</dd>
                  </>
                ))}
              </dl>
              <div class="muted">
                {m.page ? t('sub.page', { page: m.page }) : t('sub.noPage')} · {stateLabel(m.miniprogram_state)} · {m.lang}
              </div>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

export function Subscribe(props: { subscribe: SubscribeSnapshot; users: string[]; act: Act }) {
  useLang();
  const { templates, subscriptions, messages } = props.subscribe;
  return (
    <section id="subscribe">
      <h2>{t('sub.title')}</h2>
      <p class="muted">{t('sub.intro')}</p>
      <Templates items={templates} act={props.act} />
      <Popup templates={templates} />
      <h3>{t('sub.subscriptions')}</h3>
      <Subscriptions items={subscriptions} />
      <h3>{t('sub.messages')}</h3>
      <Messages items={messages} users={props.users} />
    </section>
  );
}
