import { afterEach, describe, expect, it } from 'vitest';
import { has, LANGS, setLang } from './i18n';
import { shared } from './messages';
import { schemaEnum } from './spec.testutil';
import { ORDER_STATUSES, orderStatusLabel } from './states';

describe('order statuses and problem codes', () => {
  afterEach(() => setLang('zh-CN'));

  it('knows every order status openapi.yaml names, and says each in both languages', () => {
    expect([...ORDER_STATUSES].sort()).toEqual(schemaEnum('OrderStatus').sort());
    for (const lang of LANGS) {
      setLang(lang);
      for (const s of ORDER_STATUSES) expect(orderStatusLabel(s), `${lang} ${s}`).not.toBe(s);
    }
  });

  it('says the statuses after payment as an operator in China says them', () => {
    expect(['paid', 'shipped', 'received', 'completed'].map(orderStatusLabel)).toEqual(['已支付', '已发货', '已收货', '已完成']);
    setLang('en');
    expect(['paid', 'shipped', 'received', 'completed'].map(orderStatusLabel)).toEqual(['Paid', 'Shipped', 'Received', 'Completed']);
    expect(orderStatusLabel('lost_in_the_post')).toBe('lost_in_the_post');
  });

  it('has a label for every problem code openapi.yaml names, in both languages', () => {
    const codes = schemaEnum('ProblemCode');
    expect(codes).toContain('not_shippable');
    expect(codes).toContain('address_required');
    for (const code of codes) {
      expect(has(shared, `problem.${code}`), code).toBe(true);
      for (const lang of LANGS) expect(shared[lang][`problem.${code}` as keyof (typeof shared)['en']], `${lang} ${code}`).not.toBe('');
    }
  });
});
