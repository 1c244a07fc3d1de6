// The day a bill is asked for: WeChat Pay cuts days at 00:00 Beijing time (UTC+8), whatever the
// browser's zone.
const BEIJING_MS = 8 * 60 * 60 * 1000;

/** The Beijing date (yyyy-MM-dd) of an instant. */
export function beijingDay(now: Date): string {
  return new Date(now.getTime() + BEIJING_MS).toISOString().slice(0, 10);
}
