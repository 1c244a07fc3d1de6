/**
 * Puts a quantity into [min, max] as an integer. When max < min (a product
 * out of stock with min 1) min wins, so the range is never empty; callers
 * hide or disable the control in that case.
 */
export function clampQuantity(value: number, min: number, max: number): number {
  const lo = Number.isFinite(min) ? Math.ceil(min) : 0;
  const hi = Math.max(lo, Number.isFinite(max) ? Math.floor(max) : lo);
  const v = Number.isFinite(value) ? Math.round(value) : lo;
  return Math.min(hi, Math.max(lo, v));
}
