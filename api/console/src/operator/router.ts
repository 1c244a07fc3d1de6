// A router of the console's pages under /console/, on the History API: links are real URLs (open in a
// new tab, reload, back), and the server answers index.html for each (api/console/console.go).
import { useEffect, useState } from 'preact/hooks';

export const BASE = '/console/';

export type Route =
  | { page: 'orders' }
  | { page: 'order'; id: string }
  | { page: 'requests' }
  | { page: 'refunds' }
  | { page: 'bills' }
  | { page: 'bill'; day: string }
  | { page: 'attention' }
  | { page: 'products' }
  | { page: 'missing' };

/** A day as the API writes it (yyyy-MM-dd): the bills page of one day. */
const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function parse(pathname: string): Route {
  const rest = pathname.startsWith(BASE) ? pathname.slice(BASE.length) : pathname.replace(/^\/+/, '');
  const parts = rest.split('/').filter(Boolean);
  if (parts.length === 0 || (parts.length === 1 && parts[0] === 'orders')) return { page: 'orders' };
  if (parts.length === 2 && parts[0] === 'orders' && parts[1]) return { page: 'order', id: decodeURIComponent(parts[1]) };
  if (parts.length === 1 && parts[0] === 'refund-requests') return { page: 'requests' };
  if (parts.length === 1 && parts[0] === 'refunds') return { page: 'refunds' };
  if (parts.length === 1 && parts[0] === 'bills') return { page: 'bills' };
  if (parts.length === 2 && parts[0] === 'bills' && DAY.test(parts[1] ?? '')) return { page: 'bill', day: parts[1] ?? '' };
  if (parts.length === 1 && parts[0] === 'attention') return { page: 'attention' };
  if (parts.length === 1 && parts[0] === 'products') return { page: 'products' };
  return { page: 'missing' };
}

const NAVIGATED = 'wxmp:navigate';

export function navigate(href: string): void {
  history.pushState(null, '', href);
  window.dispatchEvent(new Event(NAVIGATED));
}

export function useLocation(): Location {
  const [, tick] = useState(0);
  useEffect(() => {
    const f = (): void => tick((n) => n + 1);
    window.addEventListener('popstate', f);
    window.addEventListener(NAVIGATED, f);
    return () => {
      window.removeEventListener('popstate', f);
      window.removeEventListener(NAVIGATED, f);
    };
  }, []);
  return window.location;
}

/** A plain left click navigates in place; modified clicks keep the browser's behaviour. */
export function onLinkClick(e: MouseEvent): void {
  const a = (e.currentTarget as HTMLAnchorElement | null) ?? null;
  if (!a || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  e.preventDefault();
  navigate(a.getAttribute('href') ?? BASE);
}
