import { describe, expect, it } from 'vitest';
import { isLoopbackHost } from './loopback';

describe('isLoopbackHost', () => {
  it('is true for localhost, 127.0.0.0/8 and [::1]', () => {
    for (const h of ['localhost', 'LOCALHOST', 'localhost.', '127.0.0.1', '127.0.1.1', '127.255.255.254', '[::1]', '::1']) {
      expect(isLoopbackHost(h), h).toBe(true);
    }
  });

  it('is false for any other host, however like one it looks', () => {
    for (const h of [
      '',
      'example.com',
      'console.example.com',
      'localhost.example.com',
      'mylocalhost',
      '127.0.0.1.nip.io',
      '127.0.0.256',
      '1127.0.0.1',
      '128.0.0.1',
      '10.0.0.1',
      '192.168.1.20',
      '0.0.0.0',
      '[::2]',
      '[::]',
      '[fe80::1]',
    ]) {
      expect(isLoopbackHost(h), h).toBe(false);
    }
  });

  it('takes the host as the browser gives it for a typed address', () => {
    // The URL parser writes 127.1 as 127.0.0.1 and [0:0::1] as [::1].
    expect(isLoopbackHost(new URL('http://127.1:8080/console/').hostname)).toBe(true);
    expect(isLoopbackHost(new URL('http://[0:0::1]:8080/console/').hostname)).toBe(true);
    expect(isLoopbackHost(new URL('https://ops.shop.example/console/').hostname)).toBe(false);
  });
});
