import { afterEach, describe, expect, it } from 'vitest';
import { LANGS, setLang } from '../shared/i18n';
import { formatFen } from '../shared/money';
import { propertyEnum, schemaEnum } from '../shared/spec.testutil';
import type { Schemas } from './client';
import {
  actorLabel,
  attentionWhy,
  BILL_STATUSES,
  billFailure,
  billStatusHint,
  billStatusLabel,
  countLabel,
  courierLabel,
  COURIERS,
  DIFF_KINDS,
  diffKindLabel,
  eventLabel,
  ITEM_KINDS,
  itemKindLabel,
  OUTCOMES,
  outcomeLabel,
  PRODUCT_KINDS,
  productKindLabel,
  REASONS,
  refundFailure,
  REQUEST_STATUSES,
  requestStatusLabel,
  SHIP_METHODS,
  shipMethodLabel,
  sideLabel,
  SOURCES,
  sourceLabel,
  SUBJECTS,
  subjectLabel,
  VERDICTS,
  verdictLabel,
  waitedLabel,
} from './labels';

describe('labels', () => {
  afterEach(() => setLang('zh-CN'));

  it('names the service itself: 系统 asked for a refund, 系统自动 resolved an item', () => {
    expect(actorLabel('system', 'requester')).toBe('系统');
    expect(actorLabel('system', 'resolver')).toBe('系统自动');
    expect(actorLabel('operator:ops-1', 'resolver')).toBe('运营 ops-1');
    setLang('en');
    expect(actorLabel('system', 'requester')).toBe('System');
    expect(actorLabel('system', 'resolver')).toBe('System');
    expect(actorLabel('operator:ops-1', 'requester')).toBe('Operator ops-1');
  });

  it('shows a who it does not know as it comes', () => {
    expect(actorLabel('bank', 'resolver')).toBe('bank');
  });

  it('reads every ledger source and verdict, the close and the refusal too, in both languages', () => {
    const sources: Schemas['LedgerEntry']['source'][] = ['notification', 'query', 'close', 'refund_notification', 'refund_query'];
    const verdicts: Schemas['LedgerEntry']['verdict'][] = ['applied', 'duplicate', 'ignored', 'suspicious', 'rejected', 'late', 'refused'];
    expect(sourceLabel('close')).toBe('关闭订单');
    expect(verdictLabel('refused')).toBe('微信支付拒绝');
    for (const s of sources) expect(sourceLabel(s)).not.toBe(s);
    for (const v of verdicts) expect(verdictLabel(v)).not.toBe(v);
    setLang('en');
    expect(sourceLabel('close')).toBe('Order closed');
    expect(verdictLabel('refused')).toBe('Refused by WeChat Pay');
    for (const s of sources) expect(sourceLabel(s)).not.toBe(s);
    for (const v of verdicts) expect(verdictLabel(v)).not.toBe(v);
  });

  it('knows every source and verdict openapi.yaml names, and says each in both languages', () => {
    expect([...SOURCES].sort()).toEqual(propertyEnum('LedgerEntry', 'source').sort());
    expect([...VERDICTS].sort()).toEqual(propertyEnum('LedgerEntry', 'verdict').sort());
    const said = new Map<string, string>();
    for (const lang of LANGS) {
      setLang(lang);
      for (const s of SOURCES) said.set(`${lang} ${s}`, sourceLabel(s));
      for (const v of VERDICTS) said.set(`${lang} ${v}`, verdictLabel(v));
    }
    for (const [what, label] of said) {
      const code = what.split(' ')[1] ?? '';
      expect(label, what).not.toBe(code);
      expect(label, what).not.toBe('');
    }
    expect(said.get('zh-CN refund_query')).not.toBe(said.get('en refund_query'));
    expect(said.get('zh-CN late')).not.toBe(said.get('en late'));
  });

  it('says the ledger’s event types in words, and one it does not know as it comes', () => {
    const known = ['TRANSACTION.SUCCESS', 'TRADE.CLOSED', 'TRADE.REVOKED', 'TRADE.PAYERROR', 'TRADE.NOT_FOUND', 'REFUND.PROCESSING', 'REFUND.SUCCESS', 'REFUND.CLOSED', 'REFUND.ABNORMAL', 'REFUND.REFUSED', 'REFUND.NOT_FOUND'];
    expect(eventLabel('TRANSACTION.SUCCESS')).toBe('支付成功');
    expect(eventLabel('REFUND.ABNORMAL')).toBe('退款异常');
    for (const e of known) expect(eventLabel(e), e).not.toBe(e);
    setLang('en');
    expect(eventLabel('TRANSACTION.SUCCESS')).toBe('Payment succeeded');
    expect(eventLabel('REFUND.REFUSED')).toBe('Refund request refused');
    for (const e of known) expect(eventLabel(e), e).not.toBe(e);
    expect(eventLabel('TRANSACTION.MAYBE')).toBe('TRANSACTION.MAYBE');
  });

  it('shows a source or verdict newer than the console as its code', () => {
    expect(sourceLabel('carrier_pigeon' as Schemas['LedgerEntry']['source'])).toBe('carrier_pigeon');
    expect(verdictLabel('maybe' as Schemas['LedgerEntry']['verdict'])).toBe('maybe');
  });
});

describe('attentionWhy', () => {
  afterEach(() => setLang('zh-CN'));
  const item = (over: Partial<Schemas['AttentionItem']>): Schemas['AttentionItem'] => ({
    id: 1, kind: 'refund_abnormal', order_id: '00000000-0000-4000-8000-000000000001', out_trade_no: 'T1', detail: 'in English', created_at: '2025-03-01T12:00:00Z',
    ...over,
  });

  it('says the reason with its facts, money as ¥, in the reader’s language', () => {
    const a = item({ out_refund_no: 'RF1', reason: 'refund_abnormal', facts: { amount_fen: 7000, out_refund_no: 'RF1' } });
    expect(attentionWhy(a)).toBe('退款 RF1（¥70.00）无法退到买家账户（退款异常）：请在商户平台处理。');
    setLang('en');
    expect(attentionWhy(a)).toBe('Refund RF1 of ¥70.00 could not reach the buyer (ABNORMAL): resolve it on the merchant platform.');
  });

  it('says WeChat closed a refund when there is no refusal to quote, and quotes one when there is', () => {
    const closed = item({ kind: 'refund_failed', reason: 'refund_closed', facts: { amount_fen: 50, out_refund_no: 'RF2' } });
    expect(attentionWhy(closed)).toBe('退款 RF2（¥0.50）已关闭（微信支付关闭了退款）：钱没有退出，请重新退款。');
    expect(attentionWhy({ ...closed, facts: { amount_fen: 50, out_refund_no: 'RF2', cause: 'NOT_ENOUGH: 基本账户余额不足' } })).toContain('（NOT_ENOUGH: 基本账户余额不足）');
  });

  it('names an order’s status in words', () => {
    const a = item({ kind: 'unresolved_order', reason: 'order_unsettled', facts: { count: 5, cause: 'closing' } });
    expect(attentionWhy(a)).toBe('已向微信支付核对 5 次，订单仍为“关闭中”。');
    setLang('en');
    expect(attentionWhy(a)).toBe('Still "Closing" after 5 attempts to settle it with WeChat Pay.');
  });

  it('says every reason openapi.yaml names in both languages, from its facts, money as ¥', () => {
    expect([...REASONS].sort()).toEqual(propertyEnum('AttentionItem', 'reason').sort());
    const facts = { amount_fen: 123456, out_refund_no: 'RF9', transaction_id: '4200000001', count: 7, cause: 'WeChat said no' };
    for (const lang of LANGS) {
      setLang(lang);
      for (const reason of REASONS) {
        const why = attentionWhy(item({ reason, facts }));
        expect(why, `${lang} ${reason}`).not.toBe('in English');
        expect(why, `${lang} ${reason}`).not.toMatch(/[{}]|123456|\bfen\b/); // every blank filled; no fen
        expect(why, `${lang} ${reason}`).not.toContain(reason);
        if (/refunding|closed|abnormal|not_submitted|exhausted|bill/.test(reason)) expect(why, `${lang} ${reason}`).toContain(formatFen(123456));
      }
    }
  });

  it('says a bill difference with its amount and the service’s own account of it', () => {
    const cause = "the bill of 2025-03-01 (line 2) shows the payment of out_trade_no T9 as ¥12.81; our books have ¥12.80; WeChat Pay's query says SUCCESS, ¥12.80, transaction 4200000009, as our books: the bill disagrees with both";
    const a = item({ kind: 'bill_difference', order_id: undefined, out_trade_no: 'T9', reason: 'bill_difference', facts: { amount_fen: 1281, transaction_id: '4200000009', cause } });
    expect(attentionWhy(a)).toBe(`对账单与我方账目不符，微信支付的查询也未能解释（金额 ¥12.81）：${cause}`);
    setLang('en');
    expect(attentionWhy(a)).toBe(`The day's bill and our books differ, and WeChat Pay's query did not explain it (¥12.81): ${cause}`);
  });

  it('falls back to the English detail for an item without a reason, or with one it does not know', () => {
    expect(attentionWhy(item({}))).toBe('in English');
    expect(attentionWhy(item({ reason: 'brand_new' as Schemas['AttentionItem']['reason'] }))).toBe('in English');
  });
});

describe('the words of fulfilment', () => {
  afterEach(() => setLang('zh-CN'));

  it('knows every product kind and ship method openapi.yaml names, and the item WeChat’s refusal raises', () => {
    expect([...PRODUCT_KINDS].sort()).toEqual(schemaEnum('ProductKind').sort());
    expect([...SHIP_METHODS].sort()).toEqual(schemaEnum('ShipMethod').sort());
    expect(ITEM_KINDS).toContain('shipping_refused');
    expect(REASONS).toContain('shipping_refused');
  });

  it('says each kind, method and courier in both languages, never as its code', () => {
    const said = (lang: (typeof LANGS)[number]): string[] => {
      setLang(lang);
      return [...PRODUCT_KINDS.map(productKindLabel), ...SHIP_METHODS.map(shipMethodLabel), itemKindLabel('shipping_refused')];
    };
    const codes = new Set<string>([...PRODUCT_KINDS, ...SHIP_METHODS, 'shipping_refused']);
    const zh = said('zh-CN');
    const en = said('en');
    for (const [i, label] of zh.entries()) {
      expect(codes.has(label), label).toBe(false);
      expect(label, `${label} / ${en[i]}`).not.toBe(en[i]);
    }
    for (const label of en) expect(codes.has(label), label).toBe(false);
    for (const lang of LANGS) {
      setLang(lang);
      for (const c of COURIERS) expect(courierLabel(c), `${lang} ${c}`).not.toBe('');
    }
  });

  it('reads them as an operator in China says them', () => {
    expect(PRODUCT_KINDS.map(productKindLabel)).toEqual(['实物寄送', '虚拟商品', '用户自提']);
    expect(SHIP_METHODS.map(shipMethodLabel)).toEqual(['快递', '同城配送', '虚拟发货', '用户自提']);
    expect(COURIERS.map(courierLabel)).toEqual(['圆通速递', '中通快递', '申通快递', '韵达速递', '顺丰速运', '极兔速递', 'EMS', '京东物流']);
    expect(itemKindLabel('shipping_refused')).toBe('发货信息被拒');
    setLang('en');
    expect(SHIP_METHODS.map(shipMethodLabel)).toEqual(['Express', 'Same-city delivery', 'Virtual delivery', 'Self-pickup']);
    expect(courierLabel('SF')).toBe('SF Express');
    expect(itemKindLabel('shipping_refused')).toBe('Shipment refused');
  });

  it('offers WeChat’s delivery ids, and shows an id it does not list as it comes', () => {
    expect(COURIERS).toEqual(['YTO', 'ZTO', 'STO', 'YD', 'SF', 'JTSD', 'EMS', 'JD']);
    expect(courierLabel('DBL')).toBe('DBL');
    expect(productKindLabel('drone' as Schemas['ProductKind'])).toBe('drone');
    expect(shipMethodLabel('drone' as Schemas['ShipMethod'])).toBe('drone');
  });

  it('quotes WeChat’s refusal of a shipment, with the transaction, in the reader’s language', () => {
    const cause = 'errcode 10060004: 支付单处于不可发货的状态';
    const a: Schemas['AttentionItem'] = {
      id: 3, kind: 'shipping_refused', order_id: '00000000-0000-4000-8000-000000000001', out_trade_no: 'T1', detail: 'in English',
      created_at: '2025-03-01T12:00:00Z', reason: 'shipping_refused', facts: { transaction_id: '4200000001', cause },
    };
    expect(attentionWhy(a)).toBe(`微信拒绝录入这笔订单的发货信息（微信支付单号 4200000001）：${cause}。微信收到发货信息之前，买家的货款一直冻结：请核对后处理。`);
    setLang('en');
    expect(attentionWhy(a)).toBe(`WeChat refused the order's shipping information (transaction 4200000001): ${cause}. The buyer's money stays frozen until WeChat has the shipment: check it and fix it.`);
  });
});

describe('refundFailure', () => {
  afterEach(() => setLang('zh-CN'));

  it('quotes WeChat’s refusal, and says WeChat Pay closed it when there is none, in the reader’s language', () => {
    expect(refundFailure({ status: 'CLOSED', failure: 'NOT_ENOUGH: 基本账户余额不足' })).toBe('关闭原因：NOT_ENOUGH: 基本账户余额不足');
    expect(refundFailure({ status: 'CLOSED', failure: '' })).toBe('关闭原因：微信支付关闭了退款');
    setLang('en');
    expect(refundFailure({ status: 'CLOSED', failure: '' })).toBe('Why closed: WeChat Pay closed it');
    expect(refundFailure({ status: 'CLOSED', failure: 'NOT_ENOUGH' })).toBe('Why closed: NOT_ENOUGH');
  });

  it('says nothing of a refund that did not close, or whose why the console was not given', () => {
    expect(refundFailure({ status: 'PROCESSING', failure: '' })).toBe('');
    expect(refundFailure({ status: 'ABNORMAL', failure: '' })).toBe('');
    expect(refundFailure({ status: 'CLOSED' })).toBe('');
  });
});

describe('countLabel', () => {
  it('says how many items are open, and that there may be more when the list came back full', () => {
    expect(countLabel(0)).toBe('0');
    expect(countLabel(7)).toBe('7');
    expect(countLabel(99)).toBe('99');
    expect(countLabel(100)).toBe('100+');
  });
});

describe('the bills pages’ words', () => {
  afterEach(() => setLang('zh-CN'));

  it('knows every status, kind, subject and outcome openapi.yaml names, and every kind of item', () => {
    expect([...BILL_STATUSES].sort()).toEqual(propertyEnum('BillDay', 'status').sort());
    expect([...DIFF_KINDS].sort()).toEqual(propertyEnum('BillDifference', 'kind').sort());
    expect([...SUBJECTS].sort()).toEqual(propertyEnum('BillDifference', 'subject').sort());
    expect([...OUTCOMES].sort()).toEqual(propertyEnum('BillDifference', 'outcome').sort());
    expect([...ITEM_KINDS].sort()).toEqual(propertyEnum('AttentionItem', 'kind').sort());
  });

  it('says each in both languages, differently, and never as its code', () => {
    const said = (lang: string): string[] => {
      setLang(lang as (typeof LANGS)[number]);
      return [
        ...BILL_STATUSES.map(billStatusLabel),
        ...BILL_STATUSES.map(billStatusHint),
        ...DIFF_KINDS.map(diffKindLabel),
        ...SUBJECTS.map(subjectLabel),
        ...OUTCOMES.map(outcomeLabel),
        ...ITEM_KINDS.map(itemKindLabel),
      ];
    };
    const codes = new Set<string>([...BILL_STATUSES, ...DIFF_KINDS, ...SUBJECTS, ...OUTCOMES, ...ITEM_KINDS]);
    const zh = said('zh-CN');
    const en = said('en');
    for (const [i, label] of zh.entries()) {
      expect(label).not.toBe('');
      expect(codes.has(label), label).toBe(false);
      expect(label, `${label} / ${en[i]}`).not.toBe(en[i]);
    }
    for (const label of en) expect(codes.has(label), label).toBe(false);
  });

  it('reads the statuses as an operator in China says them', () => {
    expect(BILL_STATUSES.map(billStatusLabel)).toEqual(['已平', '未平', '等待账单', '账单无效']);
    expect(itemKindLabel('bill_difference')).toBe('对账差异');
    expect(diffKindLabel('amount')).toBe('金额不符');
    expect(outcomeLabel('attention')).toBe('转人工处理');
    setLang('en');
    expect(BILL_STATUSES.map(billStatusLabel)).toEqual(['Balanced', 'Unbalanced', 'Waiting for the bill', 'Bill not valid']);
    expect(itemKindLabel('bill_difference')).toBe('Bill difference');
  });

  it('shows a code newer than the console as it comes', () => {
    expect(billStatusLabel('audited' as Schemas['BillDay']['status'])).toBe('audited');
    expect(billStatusHint('audited' as Schemas['BillDay']['status'])).toBe('');
    expect(diffKindLabel('currency' as Schemas['BillDifference']['kind'])).toBe('currency');
    expect(outcomeLabel('waived' as Schemas['BillDifference']['outcome'])).toBe('waived');
    expect(itemKindLabel('bill_something')).toBe('bill_something');
  });

  it('says why a bill was not believed, with its line or as a whole file, and nothing for a day that did not fail', () => {
    expect(billFailure({ status: 'failed', failure: 'line 3: 订单金额 is not an amount', failed_line: 3 })).toBe('原因：line 3: 订单金额 is not an amount（第 3 行）');
    expect(billFailure({ status: 'failed', failure: 'SHA1 mismatch', failed_line: 0 })).toBe('原因：SHA1 mismatch（整个文件）');
    expect(billFailure({ status: 'unbalanced', failure: '', failed_line: 0 })).toBe('');
    setLang('en');
    expect(billFailure({ status: 'failed', failure: 'bad amount', failed_line: 3 })).toBe('Why: bad amount (line 3)');
    expect(billFailure({ status: 'failed', failure: 'SHA1 mismatch', failed_line: 0 })).toBe('Why: SHA1 mismatch (the file as a whole)');
  });

  it('says what each side of a difference has in words, an id as it is', () => {
    expect(sideLabel('payment', 'SUCCESS')).toBe('支付成功');
    expect(sideLabel('payment', 'REVOKED')).toBe('已撤销');
    expect(sideLabel('payment', 'paid')).toBe('已支付');
    expect(sideLabel('payment', 'no order')).toBe('无此订单');
    expect(sideLabel('payment', 'a second line')).toBe('重复的第二行');
    expect(sideLabel('refund', 'SUCCESS')).toBe('退款成功');
    expect(sideLabel('refund', 'no refund')).toBe('无此退款');
    expect(sideLabel('payment', '4200000009')).toBe('4200000009');
    setLang('en');
    expect(sideLabel('payment', 'SUCCESS')).toBe('Paid');
    expect(sideLabel('refund', 'CLOSED')).toBe('Closed');
    expect(sideLabel('payment', 'no order')).toBe('no order');
  });
});

describe('the words of refund requests (售后)', () => {
  afterEach(() => setLang('zh-CN'));

  it('knows every status openapi.yaml names, and says each in both languages, differently, never as its code', () => {
    expect([...REQUEST_STATUSES].sort()).toEqual(propertyEnum('RefundApplication', 'status').sort());
    const said = (lang: (typeof LANGS)[number]): string[] => {
      setLang(lang);
      return REQUEST_STATUSES.map(requestStatusLabel);
    };
    const zh = said('zh-CN');
    const en = said('en');
    for (const [i, label] of zh.entries()) {
      expect(label).not.toBe('');
      expect(REQUEST_STATUSES as string[], label).not.toContain(label);
      expect(label, `${label} / ${en[i]}`).not.toBe(en[i]);
    }
    for (const label of en) expect(REQUEST_STATUSES as string[], label).not.toContain(label);
    expect(new Set(zh).size).toBe(zh.length); // no two statuses read alike
    expect(new Set(en).size).toBe(en.length);
  });

  it('reads them as an operator in China says them', () => {
    expect(REQUEST_STATUSES.map(requestStatusLabel)).toEqual(['待审核', '退款中', '已退款', '已拒绝', '买家已撤回']);
    setLang('en');
    expect(REQUEST_STATUSES.map(requestStatusLabel)).toEqual(['Awaiting decision', 'Refunding', 'Refunded', 'Rejected', 'Withdrawn']);
    expect(requestStatusLabel('escalated' as Schemas['RefundApplication']['status'])).toBe('escalated');
  });

  it('says how long a request has waited in the reader’s language', () => {
    const since = '2025-03-01T12:00:00Z';
    const at = (minutes: number): Date => new Date(Date.parse(since) + minutes * 60_000);
    expect([0, 5, 180, 24 * 60 * 3].map((m) => waitedLabel(since, at(m)))).toEqual(['刚刚', '5 分钟', '3 小时', '3 天']);
    setLang('en');
    expect([0, 5, 180, 24 * 60 * 3].map((m) => waitedLabel(since, at(m)))).toEqual(['just now', '5 min', '3 h', '3 days']);
  });
});
