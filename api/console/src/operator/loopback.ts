// Whether the console is served from this very machine (make run on a developer's laptop): only
// then does the sign-in page say where make run printed a key, a hint that means nothing to an
// operator of a deployed service.

/** localhost, 127.0.0.0/8 or [::1], as location.hostname gives them. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/\.$/, '');
  if (h === 'localhost') return true;
  if (h === '[::1]' || h === '::1') return true;
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(h);
  return v4 !== null && v4[1] === '127' && v4.slice(2).every((o) => Number(o) <= 255);
}
