import { afterEach, describe, expect, it } from 'vitest';
import { LANGS, setLang } from '../shared/i18n';
import { emulatorPropertyEnum, emulatorSchemaEnum } from '../shared/spec.testutil';
import {
  COUNTRY_CODE_TYPES,
  countryCodeLabel,
  KEYWORD_TYPES,
  keywordLabel,
  messagesOf,
  MINIPROGRAM_STATES,
  parseTemplateFields,
  phoneCodeState,
  popupResults,
  resultLabel,
  resultTone,
  sendsLeft,
  stateLabel,
  SUBSCRIBE_RESULTS,
} from './buyer-facts';
import type { Schemas } from './client';

describe('the words of the phone number and subscribe messages', () => {
  afterEach(() => setLang('zh-CN'));

  it('knows every answer, keyword type, version and countryCode type the control spec names', () => {
    expect([...SUBSCRIBE_RESULTS].sort()).toEqual(emulatorSchemaEnum('SubscribeResult').sort());
    expect([...KEYWORD_TYPES].sort()).toEqual(emulatorPropertyEnum('SubscribeTemplate', 'keywords').sort());
    expect([...MINIPROGRAM_STATES].sort()).toEqual(emulatorPropertyEnum('SubscribeMessage', 'miniprogram_state').sort());
    expect([...COUNTRY_CODE_TYPES].sort()).toEqual(emulatorSchemaEnum('CountryCodeType').sort());
  });

  it('says each in both languages, differently, and never as its code', () => {
    const codes = new Set<string>([...SUBSCRIBE_RESULTS, ...KEYWORD_TYPES, ...MINIPROGRAM_STATES, ...COUNTRY_CODE_TYPES]);
    const said = (lang: (typeof LANGS)[number]): string[] => {
      setLang(lang);
      return [...SUBSCRIBE_RESULTS.map(resultLabel), ...KEYWORD_TYPES.map(keywordLabel), ...MINIPROGRAM_STATES.map(stateLabel), ...COUNTRY_CODE_TYPES.map(countryCodeLabel)];
    };
    const zh = said('zh-CN');
    const en = said('en');
    for (const [i, label] of zh.entries()) {
      expect(label).not.toBe('');
      expect(codes.has(label), label).toBe(false);
      expect(label, `${label} / ${en[i]}`).not.toBe(en[i]);
    }
    for (const label of en) expect(codes.has(label), label).toBe(false);
  });

  it('reads them as WeChat’s documents say them', () => {
    expect(SUBSCRIBE_RESULTS.map(resultLabel)).toEqual(['允许', '允许并开启语音提醒', '拒绝', '已被封禁', '被过滤（标题同名）']);
    expect(['thing', 'amount', 'phrase', 'character_string'].map(keywordLabel)).toEqual(['事物', '金额', '汉字', '字符串']);
    expect(MINIPROGRAM_STATES.map(stateLabel)).toEqual(['开发版', '体验版', '正式版']);
    setLang('en');
    expect(SUBSCRIBE_RESULTS.map(resultLabel)).toEqual(['Accept', 'Accept, with a voice reminder', 'Reject', 'Banned', 'Filtered (same title)']);
    expect(stateLabel('formal')).toBe('Release');
    expect(countryCodeLabel('number')).toBe('number 86');
  });

  it('shows a code newer than the console as it comes', () => {
    expect(resultLabel('maybe')).toBe('maybe');
    expect(keywordLabel('color')).toBe('color');
    expect(stateLabel('beta')).toBe('beta');
  });

  it('gives an accept the tone of a granted send, a reject none, a ban or filter that of a problem', () => {
    expect(resultTone('accept')).toBe('ok');
    expect(resultTone('acceptWithAudio')).toBe('ok');
    expect(resultTone('reject')).toBe('off');
    expect(resultTone('ban')).toBe('bad');
    expect(resultTone('filter')).toBe('bad');
  });
});

describe('phoneCodeState', () => {
  it('is used once used, expired when its 5 minutes passed unused, unused otherwise', () => {
    expect(phoneCodeState({ used: true, expired: true })).toBe('used');
    expect(phoneCodeState({ used: true, expired: false })).toBe('used');
    expect(phoneCodeState({ used: false, expired: true })).toBe('expired');
    expect(phoneCodeState({ used: false, expired: false })).toBe('unused');
  });
});

describe('parseTemplateFields', () => {
  it('reads one keyword a line, key=name, skipping blank lines and spaces around', () => {
    expect(parseTemplateFields('character_string1=订单编号\n\n  thing2 = 商品名称 \r\namount3=订单金额')).toEqual({
      ok: true,
      fields: { character_string1: '订单编号', thing2: '商品名称', amount3: '订单金额' },
      enums: {},
    });
  });

  it('reads an enum key’s values after a colon, split by |', () => {
    expect(parseTemplateFields('enum1=状态:待发货 | 已发货|')).toEqual({ ok: true, fields: { enum1: '状态' }, enums: { enum1: ['待发货', '已发货'] } });
  });

  it('says which line is wrong, and why', () => {
    expect(parseTemplateFields('thing1=商品\n订单编号')).toEqual({ ok: false, line: 2, error: 'syntax' });
    expect(parseTemplateFields('thing1=')).toEqual({ ok: false, line: 1, error: 'syntax' });
    expect(parseTemplateFields('=商品')).toEqual({ ok: false, line: 1, error: 'syntax' });
    expect(parseTemplateFields('thing=商品')).toEqual({ ok: false, line: 1, error: 'key' });
    expect(parseTemplateFields('Thing1=商品')).toEqual({ ok: false, line: 1, error: 'key' });
    expect(parseTemplateFields('thing1=商品\nthing1=名称')).toEqual({ ok: false, line: 2, error: 'twice' });
    expect(parseTemplateFields('enum2=状态')).toEqual({ ok: false, line: 1, error: 'enumValues' });
    expect(parseTemplateFields('enum2=状态:')).toEqual({ ok: false, line: 1, error: 'enumValues' });
    expect(parseTemplateFields('  \n')).toEqual({ ok: false, line: 0, error: 'none' });
  });
});

describe('popupResults', () => {
  it('sends the templates the popup showed, each with its answer, and leaves the others out', () => {
    expect(popupResults({ wxmpPaidTmpl: 'accept', wxmpShippedTmpl: '', wxmpRefundedTmpl: 'reject' })).toEqual({ wxmpPaidTmpl: 'accept', wxmpRefundedTmpl: 'reject' });
    expect(popupResults({})).toEqual({});
  });
});

describe('sendsLeft', () => {
  const sub = (over: Partial<Schemas['Subscription']>): Schemas['Subscription'] => ({
    user: 'alice', openid: 'o1', template_id: 'T', title: '支付成功通知', long_term: false, remaining: 0, accepted: 0, rejected: 0, sent: 0, can_send: false, ...over,
  });

  it('counts a one-time template’s accepts not yet spent', () => {
    expect(sendsLeft(sub({ remaining: 2, accepted: 3, sent: 1, can_send: true }))).toEqual({ kind: 'count', n: 2 });
    expect(sendsLeft(sub({ remaining: 0, accepted: 1, sent: 1 }))).toEqual({ kind: 'count', n: 0 });
  });

  it('says whether a long-term template is open, whatever its count', () => {
    expect(sendsLeft(sub({ long_term: true, can_send: true }))).toEqual({ kind: 'longTerm', open: true });
    expect(sendsLeft(sub({ long_term: true, can_send: false, last_result: 'reject' }))).toEqual({ kind: 'longTerm', open: false });
  });
});

describe('messagesOf', () => {
  const msg = (id: string, user: string): Schemas['SubscribeMessage'] => ({
    id, user, openid: `o-${user}`, template_id: 'T', title: '支付成功通知', fields: [], miniprogram_state: 'formal', lang: 'zh_CN', sent_at: '2025-03-01T12:00:00Z',
  });

  it('shows one user’s phone, or everyone’s, in the emulator’s order', () => {
    const items = [msg('m3', 'bob'), msg('m2', 'alice'), msg('m1', 'alice')];
    expect(messagesOf(items, 'alice').map((m) => m.id)).toEqual(['m2', 'm1']);
    expect(messagesOf(items, '')).toEqual(items);
    expect(messagesOf(items, 'carol')).toEqual([]);
  });
});
