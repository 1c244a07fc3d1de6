import { getLang } from './i18n';

/** An API instant in the reader's time zone, to the second; "" for none. */
export function formatTime(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(getLang(), { dateStyle: 'short', timeStyle: 'medium', hour12: false });
}

/** The start of a local calendar day ("2025-03-01" from an <input type=date>) as an RFC 3339 instant. */
export function dayStart(date: string, plusDays = 0): string {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(y ?? 1970, (m ?? 1) - 1, (d ?? 1) + plusDays).toISOString();
}

/** Today in local time as an <input type=date> value. */
export function today(): string {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

// WeChat Pay cuts days at 00:00 Beijing time (UTC+8), whatever the browser's zone: a trade
// bill's day, and the day the service reconciles, is a Beijing date.
const BEIJING_MS = 8 * 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

/** The Beijing date (yyyy-MM-dd) of an instant, or of the day plusDays after it. */
export function beijingDay(now: Date, plusDays = 0): string {
  return new Date(now.getTime() + BEIJING_MS + plusDays * DAY_MS).toISOString().slice(0, 10);
}
