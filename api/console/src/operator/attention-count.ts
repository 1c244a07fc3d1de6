// How many items need a person, for the nav's 待处理 / Needs a person: read from GET
// /admin/v1/attention whenever the page changes, and again after an item is resolved or a refund
// re-checked (the service resolves an item itself when WeChat settles what it was about). The
// what-needs-a-person page hands over the list it has just read instead.
import { useEffect, useState } from 'preact/hooks';
import { api } from './client';
import { COUNT_LIMIT } from './labels';

let count: number | null = null; // null: not read yet, or signed out
let asked = 0; // the latest read; an older answer is dropped
const listeners = new Set<() => void>();

function set(n: number | null): void {
  count = n;
  for (const f of listeners) f();
}

export async function refreshAttentionCount(): Promise<void> {
  const mine = ++asked;
  try {
    const { data } = await api.GET('/admin/v1/attention', { params: { query: { limit: COUNT_LIMIT } } });
    if (data && mine === asked) set(data.items.length);
  } catch {
    // the network: the count stays as it was, and the page says what went wrong
  }
}

/** The open items a page has just read (at most COUNT_LIMIT of them). */
export function noteAttentionCount(items: number): void {
  asked++;
  set(items);
}

export function forgetAttentionCount(): void {
  asked++;
  set(null);
}

export function useAttentionCount(): number | null {
  const [n, setN] = useState(count);
  useEffect(() => {
    const f = (): void => setN(count);
    listeners.add(f);
    f();
    return () => void listeners.delete(f);
  }, []);
  return n;
}
