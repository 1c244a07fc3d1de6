// The operator API key lives in this tab's sessionStorage only: gone when the tab closes,
// never in a cookie (no other site can make the browser send it) and never in a URL (no
// history, logs or Referer carry it). Every call sends it as a bearer key.
const KEY = 'wxmp.operator.key';
const listeners = new Set<() => void>();
let memory: string | null = null; // where the key is when sessionStorage is disabled

export function operatorKey(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return memory; // storage disabled: this page's memory only
  }
}

export function signIn(key: string): void {
  memory = key;
  try {
    sessionStorage.setItem(KEY, key);
  } catch {
    // kept in memory
  }
  for (const f of listeners) f();
}

export function signOut(): void {
  memory = null;
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    // nothing kept
  }
  for (const f of listeners) f();
}

export function onSessionChange(f: () => void): () => void {
  listeners.add(f);
  return () => void listeners.delete(f);
}
