import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BILL_CORRUPTIONS, ENDPOINTS, faultFrom } from './faults';

describe('faultFrom', () => {
  const base = { code: '', http: '', delay: '', times: '', outcome: '' };
  it('sends a pay code as code and a login one as errcode', () => {
    expect(faultFrom({ ...base, endpoint: 'jsapi', code: 'SYSTEM_ERROR', times: '2' })).toEqual({ endpoint: 'jsapi', code: 'SYSTEM_ERROR', times: 2 });
    expect(faultFrom({ ...base, endpoint: 'jscode2session', code: '-1' })).toEqual({ endpoint: 'jscode2session', errcode: -1 });
  });
  it('keeps a refund outcome alone, as the emulator demands', () => {
    expect(faultFrom({ ...base, endpoint: 'refund', outcome: 'ABNORMAL', code: 'X', delay: '5' })).toEqual({ endpoint: 'refund', refund_outcome: 'ABNORMAL' });
  });
  it('keeps a bill corruption alone too', () => {
    expect(faultFrom({ ...base, endpoint: 'bill', outcome: 'truncate', code: 'X', times: '2' })).toEqual({ endpoint: 'bill', bill_corrupt: 'truncate', times: 2 });
    expect(faultFrom({ ...base, endpoint: 'bill', code: 'SYSTEM_ERROR' })).toEqual({ endpoint: 'bill', code: 'SYSTEM_ERROR' });
  });
  it('picks the spoiled payment line by out_trade_no, for the corruptions of one line only', () => {
    expect(faultFrom({ ...base, endpoint: 'bill', outcome: 'amount', trade: ' T1 ' })).toEqual({ endpoint: 'bill', bill_corrupt: 'amount', out_trade_no: 'T1' });
    expect(faultFrom({ ...base, endpoint: 'bill', outcome: 'duplicate', trade: '' })).toEqual({ endpoint: 'bill', bill_corrupt: 'duplicate' });
    expect(faultFrom({ ...base, endpoint: 'bill', outcome: 'malformed', trade: 'T2', times: '1' })).toEqual({ endpoint: 'bill', bill_corrupt: 'malformed', out_trade_no: 'T2', times: 1 });
    expect(faultFrom({ ...base, endpoint: 'bill', outcome: 'hash', trade: 'T1' })).toEqual({ endpoint: 'bill', bill_corrupt: 'hash' });
  });
  it('offers every corruption the control API knows', () => {
    const spec = readFileSync(resolve(import.meta.dirname, '..', '..', '..', '..', 'adapters', 'wechat', 'emulator', 'control.openapi.yaml'), 'utf8');
    const listed = /bill_corrupt:\s*\n\s*type: string\s*\n\s*enum: \[([^\]]*)\]/.exec(spec)?.[1] ?? '';
    expect([...BILL_CORRUPTIONS].sort()).toEqual(listed.split(',').map((x) => x.trim()).sort());
  });
  it('sends an order shipping code as errcode, as WeChat answers it', () => {
    expect(faultFrom({ ...base, endpoint: 'upload_shipping_info', code: '10060004' })).toEqual({ endpoint: 'upload_shipping_info', errcode: 10060004 });
    expect(faultFrom({ ...base, endpoint: 'token', code: '45009' })).toEqual({ endpoint: 'token', errcode: 45009 });
  });
  it('offers every endpoint the control API knows', () => {
    const spec = readFileSync(resolve(import.meta.dirname, '..', '..', '..', '..', 'adapters', 'wechat', 'emulator', 'control.openapi.yaml'), 'utf8');
    const listed = /\n {8}endpoint:\s*\n\s*type: string\s*\n\s*enum: \[([^\]]*)\]/.exec(spec)?.[1] ?? '';
    expect(listed).toContain('upload_shipping_info');
    expect([...ENDPOINTS].sort()).toEqual(listed.split(',').map((x) => x.trim()).sort());
  });
  it('leaves out numbers that are not numbers', () => {
    expect(faultFrom({ ...base, endpoint: 'query', http: '503', delay: 'soon' })).toEqual({ endpoint: 'query', http_status: 503 });
  });
});
