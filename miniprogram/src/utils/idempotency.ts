// Idempotency-Key for POST /v1/orders: 1–64 printable ASCII characters.
// One key per confirmation (per set of lines): a double tap or a retry after
// a lost answer sends the same key with the same body, and the server returns
// the order it already made instead of making a second one.

let counter = 0;

/** Time, a counter and randomness: unique per device without needing crypto. */
export function newIdempotencyKey(now: number = Date.now(), random: () => number = Math.random): string {
  counter = (counter + 1) % 1679616; // 36^4
  const rand = Math.floor(random() * 2176782336).toString(36); // 36^6
  return `mp-${now.toString(36)}-${counter.toString(36)}-${rand}`;
}
