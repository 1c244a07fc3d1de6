import { describe, expect, it } from 'vitest';
import { faultFrom } from './faults';

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
  it('leaves out numbers that are not numbers', () => {
    expect(faultFrom({ ...base, endpoint: 'query', http: '503', delay: 'soon' })).toEqual({ endpoint: 'query', http_status: 503 });
  });
});
