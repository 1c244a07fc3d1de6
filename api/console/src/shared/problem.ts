// Turns what a call went wrong with into a line a person can act on. The API answers problems
// (RFC 9457) with a stable `code`: shown as is, next to its label in the current language, or
// the server's title for a code this console does not know yet. The emulator's control API
// answers {"error": "..."}, shown as it comes.
import { has, translator } from './i18n';
import { shared } from './messages';

const t = translator(shared);

export interface Problem {
  code: string;
  title?: string;
  detail?: string;
  status?: number;
}

export function isProblem(v: unknown): v is Problem {
  return typeof v === 'object' && v !== null && typeof (v as { code?: unknown }).code === 'string';
}

/** What to show for a failed call: error is openapi-fetch's `error`, or what was thrown. With
 * withDetail, a problem's detail follows (the server's own sentence, in English: which rule the
 * request broke, such as "an express shipment has 1 to 15 parcels"). */
export function describe(error: unknown, withDetail = false): string {
  if (isProblem(error)) {
    const key = `problem.${error.code}`;
    const label = has(shared, key) ? t(key) : (error.title ?? t('common.error'));
    const detail = withDetail && error.detail ? `: ${error.detail}` : '';
    return `${label} (${error.code})${detail}`;
  }
  if (typeof error === 'object' && error !== null && typeof (error as { error?: unknown }).error === 'string') {
    return (error as { error: string }).error;
  }
  if (error instanceof TypeError) return t('common.network'); // fetch's "Failed to fetch"
  return t('common.error');
}
