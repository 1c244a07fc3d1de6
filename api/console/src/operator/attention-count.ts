// How many items need a person, for the nav's 待处理 / Needs a person: read from GET
// /admin/v1/attention whenever the page changes, and again after an item is resolved or a refund
// re-checked (the service resolves an item itself when WeChat settles what it was about). The
// what-needs-a-person page hands over the list it has just read instead.
import { api } from './client';
import { COUNT_LIMIT } from './labels';
import { navCount } from './nav-count';

const attention = navCount(async () => {
  const { data } = await api.GET('/admin/v1/attention', { params: { query: { limit: COUNT_LIMIT } } });
  return data?.items.length;
});

export const refreshAttentionCount = (): Promise<void> => attention.refresh();
/** The open items a page has just read (at most COUNT_LIMIT of them). */
export const noteAttentionCount = (items: number): void => attention.note(items);
export const forgetAttentionCount = (): void => attention.forget();
export const useAttentionCount = (): number | null => attention.use();
