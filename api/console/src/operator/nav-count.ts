// A count the nav shows beside a page's name (待处理 / Needs a person, 售后 / Refund requests):
// read from its list whenever the page changes and after an action that changes it, or handed
// over by the page that has just read the list. Lists without a cursor are read at their largest
// page (COUNT_LIMIT), so a full one shows as "100+".
import { useEffect, useState } from 'preact/hooks';

export interface NavCount {
  /** Reads the list again; a network failure leaves the count as it was. */
  refresh(): Promise<void>;
  /** The items a page has just read (at most COUNT_LIMIT of them). */
  note(items: number): void;
  /** Signed out: nothing to show. */
  forget(): void;
  /** The count, re-rendering the caller when it changes; null when not read yet. */
  use(): number | null;
}

export function navCount(read: () => Promise<number | undefined>): NavCount {
  let count: number | null = null; // null: not read yet, or signed out
  let asked = 0; // the latest read; an older answer is dropped
  const listeners = new Set<() => void>();
  const set = (n: number | null): void => {
    count = n;
    for (const f of listeners) f();
  };
  return {
    async refresh() {
      const mine = ++asked;
      try {
        const n = await read();
        if (n !== undefined && mine === asked) set(n);
      } catch {
        // the network: the count stays as it was, and the page says what went wrong
      }
    },
    note(items) {
      asked++;
      set(items);
    },
    forget() {
      asked++;
      set(null);
    },
    use() {
      const [n, setN] = useState(count);
      useEffect(() => {
        const f = (): void => setN(count);
        listeners.add(f);
        f();
        return () => void listeners.delete(f);
      }, []);
      return n;
    },
  };
}
