import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LANGS, setLang, translator } from '../shared/i18n';
import { dict } from './messages';
import { canConfirm, canSettle, logisticsKey, ORDER_STATES, stateKey, stateTone } from './shipping-facts';

const SPEC = readFileSync(resolve(import.meta.dirname, '..', '..', '..', '..', 'adapters', 'wechat', 'emulator', 'control.openapi.yaml'), 'utf8');
const t = translator(dict);

function inline(property: string): string[] {
  const m = new RegExp(`\\n {8}${property}: \\{[^}]*enum: \\[([^\\]]*)\\]`).exec(SPEC);
  expect(m, `${property} in control.openapi.yaml`).not.toBeNull();
  return (m?.[1] ?? '').split(',').map((x) => x.trim());
}

describe('the shipping orders’ states', () => {
  afterEach(() => setLang('zh-CN'));

  it('knows every order_state the control API names, and says each as WeChat’s order_state_desc', () => {
    const states = inline('order_state').map(Number);
    const descs = inline('order_state_desc');
    expect([...ORDER_STATES].sort()).toEqual([...states].sort());
    // order_state_desc lists the names in order_state's order: 1 待发货 … 6 资金待结算.
    for (const [i, s] of states.entries()) expect(t(stateKey(s) ?? 'title'), `state ${s}`).toBe(descs[i]);
  });

  it('says each state and logistics type in English too, differently', () => {
    const said = (lang: (typeof LANGS)[number]): string[] => {
      setLang(lang);
      return [...ORDER_STATES.map((s) => t(stateKey(s) ?? 'title')), ...[1, 2, 3, 4].map((l) => t(logisticsKey(l) ?? 'title'))];
    };
    const zh = said('zh-CN');
    const en = said('en');
    for (const [i, label] of zh.entries()) expect(label, `${label} / ${en[i]}`).not.toBe(en[i]);
    expect(en.slice(0, 2)).toEqual(['To ship', 'Shipped']);
  });

  it('leaves a state it does not know without words, and off', () => {
    expect(stateKey(9)).toBeUndefined();
    expect(stateTone(9)).toBe('off');
    expect(logisticsKey(undefined)).toBeUndefined();
  });

  it('lets the buyer confirm a shipped order only, and settles shipped and confirmed ones', () => {
    expect(ORDER_STATES.filter((order_state) => canConfirm({ order_state }))).toEqual([2]);
    expect(ORDER_STATES.filter((order_state) => canSettle({ order_state })).sort()).toEqual([2, 3, 6]);
  });
});
