import { describe, expect, it } from 'vitest';
import { beijingDay } from './time';

describe('beijingDay', () => {
  it('cuts the day at 00:00 Beijing, 16:00 UTC', () => {
    expect(beijingDay(new Date('2025-03-01T15:59:59Z'))).toBe('2025-03-01');
    expect(beijingDay(new Date('2025-03-01T16:00:00Z'))).toBe('2025-03-02');
  });

  it('counts whole days from there, across a month', () => {
    expect(beijingDay(new Date('2025-03-01T16:00:00Z'), -1)).toBe('2025-03-01');
    expect(beijingDay(new Date('2025-03-01T15:59:59Z'), -1)).toBe('2025-02-28');
  });
});
