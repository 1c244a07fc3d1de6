import { describe, expect, it } from 'vitest';
import { parse } from './router';

describe('parse', () => {
  it.each([
    ['/console/', { page: 'orders' }],
    ['/console/orders', { page: 'orders' }],
    ['/console/orders/2f6c0f3e-1111-4222-8333-444455556666', { page: 'order', id: '2f6c0f3e-1111-4222-8333-444455556666' }],
    ['/console/refunds', { page: 'refunds' }],
    ['/console/refund-requests', { page: 'requests' }],
    ['/console/refund-requests/2f6c0f3e-1111-4222-8333-444455556666', { page: 'missing' }],
    ['/console/bills', { page: 'bills' }],
    ['/console/bills/2025-03-01', { page: 'bill', day: '2025-03-01' }],
    ['/console/bills/yesterday', { page: 'missing' }],
    ['/console/bills/2025-03-01/run', { page: 'missing' }],
    ['/console/attention', { page: 'attention' }],
    ['/console/products/', { page: 'products' }],
    ['/console/nope', { page: 'missing' }],
    ['/console/orders/a/b', { page: 'missing' }],
  ])('%s', (path, want) => expect(parse(path)).toEqual(want));
});
