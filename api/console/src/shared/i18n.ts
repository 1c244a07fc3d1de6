// Chinese and English labels: zh-CN by default, a switch in the header, the choice kept in
// localStorage (a preference, not a secret). Each app passes its own dictionary to translator();
// a dictionary is typed so that a key missing in one language is a compile error.
import { useEffect, useState } from 'preact/hooks';

export type Lang = 'zh-CN' | 'en';
export const LANGS: readonly Lang[] = ['zh-CN', 'en'];
export type Dict<K extends string> = Record<Lang, Record<K, string>>;
export type Vars = Record<string, string | number>;

const STORAGE_KEY = 'wxmp.console.lang';
const listeners = new Set<() => void>();

function stored(): Lang {
  try {
    const v = globalThis.localStorage?.getItem(STORAGE_KEY);
    return v === 'en' || v === 'zh-CN' ? v : 'zh-CN';
  } catch {
    return 'zh-CN'; // storage disabled: the default
  }
}

let current: Lang = stored();

export function getLang(): Lang {
  return current;
}

export function setLang(lang: Lang): void {
  current = lang;
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, lang);
  } catch {
    // not kept: fine
  }
  if (typeof document !== 'undefined') document.documentElement.lang = lang;
  for (const f of listeners) f();
}

/** Re-renders the calling component when the language changes; returns it. */
export function useLang(): Lang {
  const [lang, set] = useState(current);
  useEffect(() => {
    const f = (): void => set(current);
    listeners.add(f);
    return () => void listeners.delete(f);
  }, []);
  return lang;
}

/** "{n} items" with {n: 3} gives "3 items"; an unknown {name} stays as it is. */
export function interpolate(s: string, vars?: Vars): string {
  return vars ? s.replace(/\{(\w+)\}/g, (all, name: string) => (name in vars ? String(vars[name]) : all)) : s;
}

export type T<K extends string> = (key: K, vars?: Vars) => string;

export function translator<K extends string>(dict: Dict<K>): T<K> {
  return (key, vars) => interpolate(dict[current][key], vars);
}

/** Whether key is one of dict's: for codes that come from the server (problem codes, states). */
export function has<K extends string>(dict: Dict<K>, key: string): key is K {
  return Object.prototype.hasOwnProperty.call(dict['zh-CN'], key);
}
