// What the fault form sends: POST /emulator/faults takes code for WeChat Pay endpoints and
// errcode for login ones, and a refund outcome or a bill's corruption alone.
import type { Schemas } from './client';

type Fault = Schemas['Fault'];
export const ENDPOINTS: Fault['endpoint'][] = ['jscode2session', 'stable_token', 'checksession', 'jsapi', 'query', 'close', 'notify', 'refund', 'refund_query', 'refund_notify', 'bill', 'bill_download'];
const LOGIN: Fault['endpoint'][] = ['jscode2session', 'stable_token', 'checksession'];

/** The fault the form describes; fields left empty are left out. */
export function faultFrom(f: { endpoint: Fault['endpoint']; code: string; http: string; delay: string; times: string; outcome: string }): Fault {
  const fault: Fault = { endpoint: f.endpoint };
  const int = (s: string): number | undefined => (/^\d+$/.test(s.trim()) ? Number(s.trim()) : undefined);
  if (f.endpoint === 'refund' && f.outcome) return { endpoint: 'refund', refund_outcome: f.outcome as 'ABNORMAL' | 'CLOSED', times: int(f.times) };
  if (f.endpoint === 'bill' && f.outcome) return { endpoint: 'bill', bill_corrupt: f.outcome as 'hash' | 'truncate', times: int(f.times) };
  if (f.code.trim()) {
    if (LOGIN.includes(f.endpoint)) fault.errcode = Number(f.code.trim());
    else fault.code = f.code.trim();
  }
  fault.http_status = int(f.http);
  fault.delay_ms = int(f.delay);
  fault.times = int(f.times);
  return fault;
}

