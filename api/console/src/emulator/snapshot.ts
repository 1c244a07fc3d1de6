// Everything the page shows, read from the control API every second while the tab is visible:
// the emulator changes on its own (notification retries, refunds ending, shipping orders syncing
// and settling, pushes retried, phone codes used, subscribe messages delivered), and a developer
// should see a delivery appear without pressing a key.
import { useCallback, useEffect, useState } from 'preact/hooks';
import { emu, type Schemas } from './client';

export interface Snapshot {
  users: Schemas['TestUser'][];
  transactions: Schemas['TransactionSummary'][];
  deliveries: Schemas['ConsoleDelivery'][];
  refunds: Schemas['Refund'][];
  faults: Schemas['Fault'][];
  signMode: Schemas['SignMode']['mode'];
  shipping: Shipping;
  token: Schemas['TokenStatus'];
  pushes: Pushes;
  phone: Phone;
  subscribe: Subscribe;
}

export interface Phone {
  items: Schemas['PhoneCode'][];
  charged: number;
  country_code_type: Schemas['CountryCodeType'];
}

export interface Subscribe {
  templates: Schemas['SubscribeTemplate'][];
  subscriptions: Schemas['Subscription'][];
  messages: Schemas['SubscribeMessage'][];
}

export interface Shipping {
  items: Schemas['ShippingOrder'][];
  trade_managed: boolean;
  msg_jump_path: string;
}

export interface Pushes {
  items: Schemas['PushAttempt'][];
  configured: boolean;
}

const POLL_MS = 1000;

async function read(): Promise<Snapshot> {
  const [u, t, d, r, f, s, sh, tk, p, ph, st, ss, sm] = await Promise.all([
    emu.GET('/emulator/users'),
    emu.GET('/emulator/transactions'),
    emu.GET('/emulator/deliveries'),
    emu.GET('/emulator/refunds'),
    emu.GET('/emulator/faults'),
    emu.GET('/emulator/pay/sign-mode'),
    emu.GET('/emulator/shipping'),
    emu.GET('/emulator/token'),
    emu.GET('/emulator/pushes'),
    emu.GET('/emulator/phone-codes'),
    emu.GET('/emulator/subscribe-templates'),
    emu.GET('/emulator/subscriptions'),
    emu.GET('/emulator/messages'),
  ]);
  if (!u.data || !t.data || !d.data || !r.data || !f.data || !s.data || !sh.data || !tk.data || !p.data || !ph.data || !st.data || !ss.data || !sm.data) {
    // These only fail when the emulator runs without WeChat Pay or is gone.
    throw new Error(`the emulator answered ${[u, t, d, r, f, s, sh, tk, p, ph, st, ss, sm].map((x) => x.response.status).join(', ')}`);
  }
  return {
    users: u.data.items,
    transactions: t.data.items,
    deliveries: d.data.items,
    refunds: r.data.items,
    faults: f.data.items,
    signMode: s.data.mode,
    shipping: sh.data,
    token: tk.data,
    pushes: p.data,
    phone: ph.data,
    subscribe: { templates: st.data.items, subscriptions: ss.data.items, messages: sm.data.items },
  };
}

export function useSnapshot(): { snap: Snapshot | null; error: unknown; refresh: () => Promise<void> } {
  const [snap, setSnap] = useState<Snapshot | null>(null);
  const [error, setError] = useState<unknown>(null);
  const refresh = useCallback(async () => {
    try {
      setSnap(await read());
      setError(null);
    } catch (err) {
      setError(err instanceof TypeError ? err : { error: String((err as Error).message ?? err) });
    }
  }, []);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let live = true;
    const tick = async (): Promise<void> => {
      if (document.visibilityState === 'visible') await refresh();
      if (live) timer = setTimeout(tick, POLL_MS);
    };
    void tick();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [refresh]);
  return { snap, error, refresh };
}

/** Runs one button's call; the page shows its error, or refreshes at once. */
export type Act = (call: () => Promise<{ error?: unknown }>, done?: string) => Promise<void>;
