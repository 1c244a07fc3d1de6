// What the emulator console derives from the phone number and subscribe messages parts of
// WeChat: a phone code's state, the words for wx.requestSubscribeMessage's answers, keyword
// types, mini-program versions and how getuserphonenumber writes countryCode, the template form's
// fields, the popup's answer, a subscription's sends left, and whose messages to show. Pure (but
// for the current language), so that the rules are tested without a browser.
import { translator } from '../shared/i18n';
import type { Schemas } from './client';
import { dict, type EmulatorKey } from './messages';

const t = translator(dict);
type Tone = 'ok' | 'wait' | 'bad' | 'off';

export type SubscribeResult = Schemas['SubscribeResult'];
export type KeywordType = Schemas['SubscribeTemplate']['keywords'][number]['type'];
export type MiniprogramState = Schemas['SubscribeMessage']['miniprogram_state'];
export type CountryCodeType = Schemas['CountryCodeType'];

// Every code of the control API's enums with its words: a code the spec gains fails the type
// check here until it is said, and the dictionary's type makes each one say it in both languages.
const resultKeys: Record<SubscribeResult, EmulatorKey> = {
  accept: 'result.accept',
  acceptWithAudio: 'result.acceptWithAudio',
  reject: 'result.reject',
  ban: 'result.ban',
  filter: 'result.filter',
};

const keywordKeys: Record<KeywordType, EmulatorKey> = {
  thing: 'keyword.thing',
  number: 'keyword.number',
  letter: 'keyword.letter',
  symbol: 'keyword.symbol',
  character_string: 'keyword.character_string',
  time: 'keyword.time',
  date: 'keyword.date',
  amount: 'keyword.amount',
  phone_number: 'keyword.phone_number',
  car_number: 'keyword.car_number',
  name: 'keyword.name',
  phrase: 'keyword.phrase',
  enum: 'keyword.enum',
};

const stateKeys: Record<MiniprogramState, EmulatorKey> = {
  developer: 'version.developer',
  trial: 'version.trial',
  formal: 'version.formal',
};

const countryCodeKeys: Record<CountryCodeType, EmulatorKey> = {
  string: 'countryCode.string',
  number: 'countryCode.number',
};

export const SUBSCRIBE_RESULTS = Object.keys(resultKeys) as SubscribeResult[];
export const KEYWORD_TYPES = Object.keys(keywordKeys) as KeywordType[];
export const MINIPROGRAM_STATES = Object.keys(stateKeys) as MiniprogramState[];
export const COUNTRY_CODE_TYPES = Object.keys(countryCodeKeys) as CountryCodeType[];

function said<C extends string>(keys: Record<C, EmulatorKey>, code: string): string {
  return Object.prototype.hasOwnProperty.call(keys, code) ? t(keys[code as C]) : code;
}

/** An answer of the subscribe popup: 允许 / Accept, 拒绝 / Reject… */
export const resultLabel = (r: string): string => said(resultKeys, r);
/** A keyword's type, by its key's prefix: 事物 / Thing, 金额 / Amount… */
export const keywordLabel = (type: string): string => said(keywordKeys, type);
/** Which version of the mini-program a message opens: 开发版, 体验版, 正式版. */
export const stateLabel = (state: string): string => said(stateKeys, state);
export const countryCodeLabel = (type: string): string => said(countryCodeKeys, type);

/** accept and acceptWithAudio grant a send; the others grant nothing. */
export function resultTone(r: string): Tone {
  return r === 'accept' || r === 'acceptWithAudio' ? 'ok' : r === 'reject' ? 'off' : 'bad';
}

export type PhoneCodeState = 'used' | 'expired' | 'unused';

/** A phone code is used once; one not used in its 5 minutes has expired. */
export function phoneCodeState(c: Pick<Schemas['PhoneCode'], 'used' | 'expired'>): PhoneCodeState {
  return c.used ? 'used' : c.expired ? 'expired' : 'unused';
}

export const phoneCodeTone: Record<PhoneCodeState, Tone> = { used: 'off', expired: 'off', unused: 'wait' };

export type TemplateFields =
  | { ok: true; fields: Record<string, string>; enums: Record<string, string[]> }
  | { ok: false; line: number; error: 'syntax' | 'key' | 'twice' | 'enumValues' | 'none' };

const KEY = /^([a-z_]+?)(\d+)$/;

/** The template form's keywords: one a line, `key=name` (thing1=商品名称), an enum key with its
 * values after a colon (enum3=状态:待发货|已发货). A key is its type's prefix and a number; the
 * emulator decides the rest (an unknown type answers 400). Blank lines are skipped. */
export function parseTemplateFields(text: string): TemplateFields {
  const fields: Record<string, string> = {};
  const enums: Record<string, string[]> = {};
  const lines = text.split('\n');
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '') continue;
    const eq = line.indexOf('=');
    if (eq <= 0) return { ok: false, line: i + 1, error: 'syntax' };
    const key = line.slice(0, eq).trim();
    let name = line.slice(eq + 1).trim();
    if (!KEY.test(key)) return { ok: false, line: i + 1, error: 'key' };
    if (key in fields) return { ok: false, line: i + 1, error: 'twice' };
    if (key.startsWith('enum')) {
      const colon = name.indexOf(':');
      const values = colon < 0 ? [] : name.slice(colon + 1).split('|').map((v) => v.trim()).filter((v) => v !== '');
      if (values.length === 0) return { ok: false, line: i + 1, error: 'enumValues' };
      name = name.slice(0, colon).trim();
      enums[key] = values;
    }
    if (name === '') return { ok: false, line: i + 1, error: 'syntax' };
    fields[key] = name;
  }
  if (Object.keys(fields).length === 0) return { ok: false, line: 0, error: 'none' };
  return { ok: true, fields, enums };
}

/** What the popup answered, by template id: the templates it showed (a choice made), each with
 * the user's answer; a template left out was not in the popup. */
export function popupResults(choices: Readonly<Record<string, SubscribeResult | ''>>): Record<string, SubscribeResult> {
  const out: Record<string, SubscribeResult> = {};
  for (const [id, r] of Object.entries(choices)) if (r !== '') out[id] = r;
  return out;
}

export type SendsLeft = { kind: 'count'; n: number } | { kind: 'longTerm'; open: boolean };

/** How many more messages of a template the shop may send the user: a one-time template's
 * remaining accepts, or, for a long-term one, whether its last answer was an accept. */
export function sendsLeft(s: Pick<Schemas['Subscription'], 'long_term' | 'remaining' | 'can_send'>): SendsLeft {
  return s.long_term ? { kind: 'longTerm', open: s.can_send } : { kind: 'count', n: s.remaining };
}

/** The messages one user's phone shows ('' : every user's), latest first as the emulator lists them. */
export function messagesOf(items: Schemas['SubscribeMessage'][], user: string): Schemas['SubscribeMessage'][] {
  return user === '' ? items : items.filter((m) => m.user === user);
}
