import { translator } from '../shared/i18n';
import { formatFen } from '../shared/money';
import { formatTime } from '../shared/time';
import type { Schemas } from './client';
import { actorLabel, eventLabel, itemKindLabel, shipMethodLabel, sourceLabel, verdictLabel } from './labels';
import { dict } from './messages';
import { timeline, type TimelineEvent } from './order-facts';

const t = translator(dict);

function line(e: TimelineEvent): string {
  switch (e.kind) {
    case 'created':
      return t('timeline.created', { amount: formatFen(e.amount) });
    case 'paid':
      return t('timeline.paid');
    case 'shipped':
      return t(e.again ? 'timeline.reshipped' : 'timeline.shipped', { method: shipMethodLabel(e.method) });
    case 'uploaded':
      return t('timeline.uploaded');
    case 'received':
      return t('timeline.received');
    case 'completed':
      return t('timeline.completed');
    case 'ledger':
      return t('timeline.ledger', { source: sourceLabel(e.source), event: eventLabel(e.event), verdict: verdictLabel(e.verdict) });
    case 'refund':
      return t('timeline.refund', { no: e.no, amount: formatFen(e.amount) });
    case 'refundDone':
      return t('timeline.refundDone', { no: e.no });
    case 'attention':
      return t('timeline.attention', { kind: itemKindLabel(e.item) });
    case 'resolved':
      return t('timeline.resolved', { kind: itemKindLabel(e.item), by: e.by ? actorLabel(e.by, 'resolver') : '—' });
  }
}

export function Timeline(props: { detail: Schemas['AdminOrderDetail'] }) {
  return (
    <ol class="timeline" data-testid="timeline">
      {timeline(props.detail).map((e) => (
        <li data-event={e.kind}>
          <span class="muted">{formatTime(e.at)}</span> {line(e)}
        </li>
      ))}
    </ol>
  );
}
