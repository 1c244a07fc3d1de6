// Subscribe messages (订阅消息): the shop may send one message per acceptance, so the app asks
// wx.requestSubscribeMessage({tmplIds}) at the moments that lead to a message, and tells the
// server what the user chose (POST /v1/me/subscriptions {results}: WeChat's success result as
// it is, without errMsg). The server counts what was accepted; nothing else reports it.
//
// - The template ids are the server's (GET /v1/me/subscriptions: the merchant's configuration),
//   read when the page loads (preload): WeChat only shows its popup for a call made in the
//   tap's own turn (or a payment callback), so by the tap they must already be known.
// - ask(events) calls wx.requestSubscribeMessage synchronously, from the tap: 立即购买 asks for
//   paid + shipped, the refund request's 提交 for refunded + refund_request. At most 3 ids
//   (WeChat's older limit; its docs now say 5), duplicates dropped.
// - It never fails and never holds anything up for long: no templates yet, no such API, a
//   refusal, a failure (20004 main switch off, 10005 cannot show…) all resolve, and the caller
//   goes on (to pay, to ask for the refund). Telling the server is not waited for.
import type { Client, SubscribeEvent, SubscribeResult, Subscription } from '../api/index';

/** At most this many template ids per wx.requestSubscribeMessage. */
export const MAX_TEMPLATES_PER_ASK = 3;
/** If WeChat never calls back, the caller goes on after this long. */
export const ASK_GUARD_MS = 60_000;

const RESULTS: readonly SubscribeResult[] = ['accept', 'reject', 'ban', 'filter', 'acceptWithAudio'];

export interface SubscribeWx {
  canIUse(schema: string): boolean;
  requestSubscribeMessage?(option: {
    tmplIds: string[];
    success?: (res: Record<string, string>) => void;
    fail?: (err: { errMsg: string; errCode?: number }) => void;
  }): unknown;
}

/**
 * What happened: 'asked' (the user answered; results as the server was told), 'none' (no
 * template configured for these events, or the ids are not loaded yet), 'unsupported' (no
 * wx.requestSubscribeMessage), 'failed' (WeChat's fail: errMsg and errCode), 'timeout'.
 */
export type AskOutcome =
  | { kind: 'asked'; results: Record<string, SubscribeResult>; accepted: SubscribeEvent[] }
  | { kind: 'none' }
  | { kind: 'unsupported' }
  | { kind: 'failed'; errMsg: string; errCode?: number }
  | { kind: 'timeout' };

declare function setTimeout(fn: () => void, ms: number): unknown;
declare function clearTimeout(t: unknown): void;

export class Subscriptions {
  private templates?: Subscription[];
  private loading?: Promise<void>;
  /** The last POST /v1/me/subscriptions (tests wait on it; callers never do). */
  recorded?: Promise<void>;

  constructor(
    private readonly client: Client,
    private readonly wx: SubscribeWx,
    private readonly guardMs: number = ASK_GUARD_MS,
  ) {}

  /** Reads the templates once; a failure leaves them unknown (and the next preload tries again). */
  preload(): Promise<void> {
    if (this.templates) return Promise.resolve();
    this.loading ??= this.client.request('/v1/me/subscriptions', 'get').then(
      (list) => {
        this.templates = list.items;
      },
      () => {
        this.loading = undefined;
      },
    );
    return this.loading;
  }

  /** The template ids for these events, as WeChat takes them (deduplicated, at most 3). */
  templateIds(events: SubscribeEvent[]): string[] {
    const ids: string[] = [];
    for (const event of events) {
      for (const t of this.templates ?? []) {
        if (t.event === event && t.template_id && !ids.includes(t.template_id)) ids.push(t.template_id);
      }
    }
    return ids.slice(0, MAX_TEMPLATES_PER_ASK);
  }

  /**
   * From a tap: asks WeChat now (synchronously) for the events' templates and tells the server
   * what the user chose. Never rejects; see AskOutcome.
   */
  ask(events: SubscribeEvent[]): Promise<AskOutcome> {
    const ids = this.templateIds(events);
    if (ids.length === 0) return Promise.resolve({ kind: 'none' });
    const request = this.wx.requestSubscribeMessage;
    if (!this.wx.canIUse('requestSubscribeMessage') || typeof request !== 'function') return Promise.resolve({ kind: 'unsupported' });
    return new Promise<AskOutcome>((resolve) => {
      let done = false;
      const finish = (o: AskOutcome): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve(o);
      };
      const timer = setTimeout(() => finish({ kind: 'timeout' }), this.guardMs);
      try {
        request.call(this.wx, {
          tmplIds: ids,
          success: (res) => {
            const results = resultsOf(res, ids);
            if (Object.keys(results).length > 0) this.record(results);
            finish({ kind: 'asked', results, accepted: this.acceptedEvents(results) });
          },
          fail: (err) => finish({ kind: 'failed', errMsg: err?.errMsg ?? 'requestSubscribeMessage:fail', errCode: err?.errCode }),
        });
      } catch (err) {
        finish({ kind: 'failed', errMsg: String((err as { message?: string })?.message ?? err) });
      }
    });
  }

  private acceptedEvents(results: Record<string, SubscribeResult>): SubscribeEvent[] {
    return (this.templates ?? []).filter((t) => results[t.template_id] === 'accept' || results[t.template_id] === 'acceptWithAudio').map((t) => t.event);
  }

  /** POST /v1/me/subscriptions, in the background; a failure costs only those sends. */
  private record(results: Record<string, SubscribeResult>): void {
    this.recorded = this.client.request('/v1/me/subscriptions', 'post', { body: { results } }).then(
      (list) => {
        this.templates = list.items;
      },
      () => undefined,
    );
  }
}

/** WeChat's success result without errMsg: only the ids asked for, with a value WeChat defines. */
export function resultsOf(res: Record<string, string>, ids: string[]): Record<string, SubscribeResult> {
  const out: Record<string, SubscribeResult> = {};
  for (const id of ids) {
    const v = res?.[id];
    if ((RESULTS as readonly string[]).includes(v)) out[id] = v as SubscribeResult;
  }
  return out;
}
