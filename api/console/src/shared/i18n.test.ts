import { describe, expect, it } from 'vitest';
import { getLang, has, interpolate, setLang, translator, type Dict } from './i18n';

const dict = {
  'zh-CN': { hello: '你好，{name}', count: '{n} 条' },
  en: { hello: 'Hello, {name}', count: '{n} items' },
} satisfies Dict<'hello' | 'count'>;

describe('i18n', () => {
  it('defaults to zh-CN and switches', () => {
    const t = translator(dict);
    expect(getLang()).toBe('zh-CN');
    expect(t('hello', { name: '阿丽' })).toBe('你好，阿丽');
    setLang('en');
    expect(t('count', { n: 3 })).toBe('3 items');
    setLang('zh-CN');
  });

  it('leaves unknown placeholders alone', () => expect(interpolate('{a} {b}', { a: 1 })).toBe('1 {b}'));

  it('tells server codes it knows from others', () => {
    expect(has(dict, 'hello')).toBe(true);
    expect(has(dict, 'toString')).toBe(false);
  });
});
