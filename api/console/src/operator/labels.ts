// Codes from the server as words in the current language: who did something, where a ledger row
// came from and what was decided, why an item needs a person. A code this console does not know
// yet is shown as it comes.
import { has, translator } from '../shared/i18n';
import { shared } from '../shared/messages';
import { formatFen } from '../shared/money';
import type { Schemas } from './client';
import { dict } from './messages';
import { actor } from './refund-facts';

const t = translator(dict);

/** Who asked for a refund (system: 系统 / System) or resolved an item (system: 系统自动 /
 * System, for the service resolved it when WeChat settled what the item was about). */
export function actorLabel(by: string, as: 'requester' | 'resolver'): string {
  const a = actor(by);
  switch (a.kind) {
    case 'system':
      return t(as === 'resolver' ? 'resolver.system' : 'actor.system');
    case 'operator':
      return t('actor.operator', { id: a.id });
    case 'other':
      return a.raw;
  }
}

export function sourceLabel(source: Schemas['LedgerEntry']['source']): string {
  const key = `source.${source}`;
  return has(dict, key) ? t(key) : source;
}

export function verdictLabel(verdict: Schemas['LedgerEntry']['verdict']): string {
  const key = `verdict.${verdict}`;
  return has(dict, key) ? t(key) : verdict;
}

/** Why an item needs a person, said from its reason and facts; the server's English detail for
 * an item raised before reasons were kept, or with a reason this console does not know yet. */
export function attentionWhy(item: Schemas['AttentionItem']): string {
  const key = `why.${item.reason ?? ''}`;
  if (!item.reason || !has(dict, key)) return item.detail;
  const f = item.facts ?? {};
  let cause = f.cause ?? '';
  const status = `status.${cause}`;
  if (item.reason === 'order_unsettled' && has(shared, status)) cause = t(status);
  if (cause === '' && (item.reason === 'refund_closed' || item.reason === 'late_refund_closed')) cause = t('why.closedByWeChat');
  return t(key, {
    amount: f.amount_fen === undefined ? '' : formatFen(f.amount_fen),
    no: f.out_refund_no ?? item.out_refund_no ?? '',
    txn: f.transaction_id ?? '',
    count: f.count ?? '',
    cause,
  });
}
