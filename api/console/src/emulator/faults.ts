// What the fault form sends: POST /emulator/faults takes code for WeChat Pay endpoints and
// errcode for login ones, and a refund outcome or a bill's corruption alone (a corruption of one
// payment line with the out_trade_no that picks it).
import type { Schemas } from './client';

type Fault = Schemas['Fault'];
export const ENDPOINTS: Fault['endpoint'][] = ['jscode2session', 'stable_token', 'checksession', 'jsapi', 'query', 'close', 'notify', 'refund', 'refund_query', 'refund_notify', 'bill', 'bill_download'];
const LOGIN: Fault['endpoint'][] = ['jscode2session', 'stable_token', 'checksession'];

type Corruption = NonNullable<Fault['bill_corrupt']>;
/** How the next bill can be spoiled: the whole file (hash, truncate), or one payment line. */
export const BILL_CORRUPTIONS: Corruption[] = ['hash', 'truncate', 'amount', 'duplicate', 'malformed'];
/** The corruptions that spoil one payment line, which out_trade_no may pick. */
export const LINE_CORRUPTIONS: Corruption[] = ['amount', 'duplicate', 'malformed'];

/** The fault the form describes; fields left empty are left out. */
export function faultFrom(f: { endpoint: Fault['endpoint']; code: string; http: string; delay: string; times: string; outcome: string; trade?: string }): Fault {
  const fault: Fault = { endpoint: f.endpoint };
  const int = (s: string): number | undefined => (/^\d+$/.test(s.trim()) ? Number(s.trim()) : undefined);
  if (f.endpoint === 'refund' && f.outcome) return { endpoint: 'refund', refund_outcome: f.outcome as 'ABNORMAL' | 'CLOSED', times: int(f.times) };
  if (f.endpoint === 'bill' && f.outcome) {
    const corrupt = f.outcome as Corruption;
    const trade = LINE_CORRUPTIONS.includes(corrupt) ? f.trade?.trim() || undefined : undefined;
    return { endpoint: 'bill', bill_corrupt: corrupt, ...(trade ? { out_trade_no: trade } : {}), times: int(f.times) };
  }
  if (f.code.trim()) {
    if (LOGIN.includes(f.endpoint)) fault.errcode = Number(f.code.trim());
    else fault.code = f.code.trim();
  }
  fault.http_status = int(f.http);
  fault.delay_ms = int(f.delay);
  fault.times = int(f.times);
  return fault;
}

