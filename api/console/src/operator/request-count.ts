// How many buyers' refund requests wait for a decision, for the nav's 售后 / Refund requests:
// read from GET /admin/v1/refund-requests whenever the page changes, and again after a request
// is approved or rejected. The refund requests page hands over the list it has just read.
import { api } from './client';
import { COUNT_LIMIT } from './labels';
import { navCount } from './nav-count';

const requests = navCount(async () => {
  const { data } = await api.GET('/admin/v1/refund-requests', { params: { query: { limit: COUNT_LIMIT } } });
  return data?.items.length;
});

export const refreshRequestCount = (): Promise<void> => requests.refresh();
/** The waiting requests a page has just read (at most COUNT_LIMIT of them). */
export const noteRequestCount = (items: number): void => requests.note(items);
export const forgetRequestCount = (): void => requests.forget();
export const useRequestCount = (): number | null => requests.use();
