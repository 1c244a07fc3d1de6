// What the fault form sends: POST /emulator/faults takes code for WeChat Pay endpoints and
// errcode for the endpoints of api.weixin.qq.com (login, access_token, order shipping, the phone
// number, subscribe messages), and a refund outcome or a bill's corruption alone (a corruption of
// one payment line with the out_trade_no that picks it).
import type { Schemas } from './client';

type Fault = Schemas['Fault'];

// Every endpoint of the control API, each said to be WeChat Pay's (code) or api.weixin.qq.com's
// (errcode): one the spec gains fails the type check here until it is placed.
const errcodes: Record<Fault['endpoint'], boolean> = {
  jscode2session: true,
  stable_token: true,
  token: true,
  checksession: true,
  jsapi: false,
  query: false,
  close: false,
  notify: false,
  refund: false,
  refund_query: false,
  refund_notify: false,
  bill: false,
  bill_download: false,
  upload_shipping_info: true,
  get_order: true,
  get_order_list: true,
  notify_confirm_receive: true,
  set_msg_jump_path: true,
  is_trade_managed: true,
  is_trade_management_confirmation_completed: true,
  get_delivery_list: true,
  getuserphonenumber: true,
  subscribe_send: true,
};
export const ENDPOINTS = Object.keys(errcodes) as Fault['endpoint'][];

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
    if (errcodes[f.endpoint]) fault.errcode = Number(f.code.trim());
    else fault.code = f.code.trim();
  }
  fault.http_status = int(f.http);
  fault.delay_ms = int(f.delay);
  fault.times = int(f.times);
  return fault;
}

