import { describe, expect, it } from 'vitest';
import { fenToYuanInput, formatFen, parseYuan } from './money';

describe('formatFen', () => {
  it.each([
    [0, '¥0.00'],
    [1, '¥0.01'],
    [10, '¥0.10'],
    [1280, '¥12.80'],
    [100000, '¥1,000.00'],
    [123456789, '¥1,234,567.89'],
    [-5, '-¥0.05'],
    [Number.MAX_SAFE_INTEGER, '¥90,071,992,547,409.91'],
  ])('%d fen is %s', (fen, want) => expect(formatFen(fen)).toBe(want));

  it('refuses what is not whole fen', () => {
    expect(() => formatFen(12.5)).toThrow(RangeError);
    expect(() => formatFen(Number.NaN)).toThrow(RangeError);
    expect(() => formatFen(2 ** 53)).toThrow(RangeError);
  });
});

describe('fenToYuanInput', () => {
  it.each([
    [0, '0.00'],
    [7, '0.07'],
    [1280, '12.80'],
    [100000, '1000.00'],
  ])('%d fen fills the input with %s', (fen, want) => expect(fenToYuanInput(fen)).toBe(want));

  it('round-trips through parseYuan', () => {
    for (const fen of [0, 1, 9, 10, 99, 100, 101, 1999, 123456789]) expect(parseYuan(fenToYuanInput(fen))).toEqual({ ok: true, fen });
  });
});

describe('parseYuan', () => {
  it.each([
    ['12', 1200],
    ['12.', 1200],
    ['12.5', 1250],
    ['12.50', 1250],
    ['0.01', 1],
    ['.5', 50],
    ['0', 0],
    ['007.10', 710],
    [' ¥19.99 ', 1999],
    ['￥ 3', 300],
    ['0.29', 29], // 0.29 * 100 is 28.999999999999996 in floating point
    ['19.99', 1999], // 19.99 * 100 is 1998.9999999999998
    ['9999999999999.99', 999999999999999],
  ])('%j is %d fen', (input, fen) => expect(parseYuan(input)).toEqual({ ok: true, fen }));

  it.each([
    ['', 'empty'],
    ['   ', 'empty'],
    ['¥', 'empty'],
    ['-1', 'negative'],
    ['-0.01', 'negative'],
    ['1.234', 'too_many_decimals'],
    ['0.001', 'too_many_decimals'],
    ['10000000000000', 'too_large'],
    ['.', 'invalid'],
    ['abc', 'invalid'],
    ['1e3', 'invalid'],
    ['0x10', 'invalid'],
    ['1,000', 'invalid'],
    ['+1', 'invalid'],
    ['1.2.3', 'invalid'],
    ['1 2', 'invalid'],
    ['12元', 'invalid'],
    ['Infinity', 'invalid'],
    ['NaN', 'invalid'],
  ])('%j is refused as %s', (input, error) => expect(parseYuan(input)).toEqual({ ok: false, error }));
});
