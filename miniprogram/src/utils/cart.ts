// The chosen lines travel from the home page to the confirmation page in the
// URL as "productId:quantity,productId:quantity" (uuids and digits only, so
// the value reads the same whether or not the runtime URL-decodes it).
import type { OrderItemRequest } from '../api/index';

export function encodeItems(items: OrderItemRequest[]): string {
  return items.map((i) => `${i.product_id}:${i.quantity}`).join(',');
}

/** Parses encodeItems' output; malformed parts are dropped, repeated products merged. */
export function decodeItems(raw: string | undefined): OrderItemRequest[] {
  if (!raw) return [];
  let text = raw;
  try {
    text = decodeURIComponent(raw);
  } catch {
    // not URI-encoded
  }
  const merged = new Map<string, number>();
  for (const part of text.split(',')) {
    const m = /^([0-9A-Za-z-]{1,64}):(\d{1,2})$/.exec(part.trim());
    if (!m) continue;
    const quantity = Number(m[2]);
    if (quantity < 1) continue;
    merged.set(m[1], Math.min(99, (merged.get(m[1]) ?? 0) + quantity));
  }
  return Array.from(merged, ([product_id, quantity]) => ({ product_id, quantity }));
}
