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
