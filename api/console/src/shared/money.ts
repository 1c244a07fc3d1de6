// Money is integer fen everywhere (1 yuan = 100 fen), as in the API. People read and type yuan,
// so these convert between the two by moving digits in strings: no value ever passes through
// floating point, where 0.1 + 0.2 !== 0.3 and 19.99 * 100 === 1998.9999999999998.

/** "¥1,234.50" for 123450; "-¥0.05" for -5. Throws on a value that is not an integer number of fen. */
export function formatFen(fen: number): string {
  if (!Number.isSafeInteger(fen)) throw new RangeError(`not an integer amount of fen: ${fen}`);
  const sign = fen < 0 ? '-' : '';
  const digits = String(Math.abs(fen)).padStart(3, '0');
  const yuan = digits.slice(0, -2).replace(/\B(?=(\d{3})+$)/g, ',');
  return `${sign}¥${yuan}.${digits.slice(-2)}`;
}

/** "12.80" for 1280: what an amount input is filled with (no sign, symbol or grouping). */
export function fenToYuanInput(fen: number): string {
  if (!Number.isSafeInteger(fen) || fen < 0) throw new RangeError(`not a non-negative integer amount of fen: ${fen}`);
  const digits = String(fen).padStart(3, '0');
  return `${digits.slice(0, -2)}.${digits.slice(-2)}`;
}

export type ParseError = 'empty' | 'invalid' | 'negative' | 'too_many_decimals' | 'too_large';
export type Parsed = { ok: true; fen: number } | { ok: false; error: ParseError };

// Up to 13 digits of yuan keeps every result under Number.MAX_SAFE_INTEGER fen.
const MAX_YUAN_DIGITS = 13;

/**
 * Reads what a person typed as yuan: "12", "12.5", "12.50", "0.01", ".5", "¥12.80" (a leading ¥ or
 * ￥ and surrounding spaces are allowed). Refuses negatives, more than two decimals, thousands
 * separators, exponents and anything else that is not plainly a number.
 */
export function parseYuan(input: string): Parsed {
  const s = input.trim().replace(/^[¥￥]\s*/, '');
  if (s === '') return { ok: false, error: 'empty' };
  if (/^-/.test(s)) return { ok: false, error: 'negative' };
  const m = /^(\d*)(?:\.(\d*))?$/.exec(s);
  if (!m || (m[1] === '' && !m[2])) return { ok: false, error: 'invalid' };
  const whole = (m[1] ?? '').replace(/^0+(?=\d)/, '');
  const frac = m[2] ?? '';
  if (frac.length > 2) return { ok: false, error: 'too_many_decimals' };
  if (whole.length > MAX_YUAN_DIGITS) return { ok: false, error: 'too_large' };
  const fen = (whole + frac.padEnd(2, '0')).replace(/^0+(?=\d)/, '');
  return { ok: true, fen: Number(fen) };
}
