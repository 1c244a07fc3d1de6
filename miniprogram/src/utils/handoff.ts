// Hands the Checkout from the confirmation page to the pay page. All pages
// share one JS context, so a module-level map is enough; the URL carries only
// the order id. When the pay page is opened any other way (from an order,
// after a restart) there is nothing here and it asks the server for fresh
// payment arguments (POST /v1/orders/{id}/pay).
import type { Checkout } from '../api/index';

const pending = new Map<string, Checkout>();

export function putCheckout(checkout: Checkout): void {
  pending.set(checkout.order.id, checkout);
}

/** Returns and forgets the checkout for orderId: payment arguments are used once. */
export function takeCheckout(orderId: string): Checkout | undefined {
  const checkout = pending.get(orderId);
  pending.delete(orderId);
  return checkout;
}
