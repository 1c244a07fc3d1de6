// The ship dialog: 发货 / Ship on a paid order, 重新发货 / Ship again on a shipped one (WeChat
// allows one re-ship). It offers the methods the order's goods allow (sent goods: express or
// same-city; picked-up goods: self-pickup) and, for express, 1 to 15 parcels, each a courier of
// WeChat's delivery list and a tracking number. Each press of "Ship" is one POST (shipping is not
// a payment: the server refuses a second re-ship, so there is no Idempotency-Key); a refusal is
// shown with the problem's detail.
import { useState } from 'preact/hooks';
import { translator, useLang } from '../shared/i18n';
import { ErrorLine } from '../shared/ui';
import { api, type Schemas } from './client';
import { COURIERS, courierLabel, shipMethodLabel } from './labels';
import { dict } from './messages';
import { addressLine, MAX_PARCELS, orderKind, type ParcelDraft, shipMethods, shipRequest } from './ship-facts';

const t = translator(dict);

export function ShipDialog(props: { order: Schemas['AdminOrder']; again: boolean; onClose: () => void; onDone: (o: Schemas['Order']) => void }) {
  useLang();
  const o = props.order;
  const kind = orderKind(o);
  const methods = shipMethods(kind);
  const current = props.again ? o.shipment : undefined; // a re-ship starts from the shipment it corrects
  const [method, setMethod] = useState<Schemas['ShipMethod']>(current && methods.includes(current.method) ? current.method : (methods[0] ?? 'pickup'));
  const [parcels, setParcels] = useState<ParcelDraft[]>(() =>
    current && current.parcels.length > 0
      ? current.parcels.map((p) => ({ company: COURIERS.find((c) => c === p.company) ?? '', tracking_no: p.tracking_no }))
      : [{ company: '', tracking_no: '' }],
  );
  const [touched, setTouched] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const built = shipRequest(kind, method, parcels);
  const invalid = built.ok ? '' : t(built.error, built.vars);
  const setParcel = (i: number, p: Partial<ParcelDraft>): void => {
    setTouched(true);
    setParcels(parcels.map((x, j) => (j === i ? { ...x, ...p } : x)));
  };

  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    if (!built.ok || busy) return;
    setBusy(true);
    setError(null);
    try {
      const { data, error } = await api.POST('/admin/v1/orders/{orderId}/ship', { params: { path: { orderId: o.id } }, body: built.body });
      if (data) props.onDone(data);
      else setError(error);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const title = props.again ? t('ship.againTitle') : t('ship.title');
  return (
    <div class="backdrop">
      <form class="dialog" role="dialog" aria-modal="true" aria-labelledby="ship-title" data-testid="ship-dialog" onSubmit={submit}>
        <h2 id="ship-title">{title}</h2>
        {props.again && <p class="muted">{t('ship.againHint')}</p>}
        {o.address && (
          <p data-testid="ship-to">
            <span class="muted">{t('ship.to')}</span> {o.address.name} {o.address.phone}
            <br />
            {addressLine(o.address)}
          </p>
        )}
        <label>
          {t('ship.method')}
          <select name="method" value={method} onChange={(e) => (setTouched(true), setMethod(e.currentTarget.value as Schemas['ShipMethod']))}>
            {methods.map((m) => (
              <option value={m}>{shipMethodLabel(m)}</option>
            ))}
          </select>
        </label>
        {method === 'express' && (
          <ol class="parcels" data-testid="parcels">
            {parcels.map((p, i) => (
              <li data-parcel={i + 1}>
                <span class="muted">{t('ship.parcel', { n: i + 1 })}</span>
                <div class="row">
                  <label>
                    {t('ship.courier')}
                    <select name="company" value={p.company} onChange={(e) => setParcel(i, { company: e.currentTarget.value as ParcelDraft['company'] })}>
                      <option value="">—</option>
                      {COURIERS.map((c) => (
                        <option value={c}>{`${courierLabel(c)} (${c})`}</option>
                      ))}
                    </select>
                  </label>
                  <label class="grow">
                    {t('ship.trackingNo')}
                    <input name="tracking_no" autocomplete="off" maxLength={128} value={p.tracking_no} onInput={(e) => setParcel(i, { tracking_no: e.currentTarget.value })} />
                  </label>
                  {parcels.length > 1 && (
                    <button type="button" class="link" onClick={() => (setTouched(true), setParcels(parcels.filter((_, j) => j !== i)))}>
                      {t('ship.removeParcel')}
                    </button>
                  )}
                </div>
              </li>
            ))}
          </ol>
        )}
        {method === 'express' && (
          <p>
            <button type="button" disabled={parcels.length >= MAX_PARCELS} onClick={() => setParcels([...parcels, { company: parcels[parcels.length - 1]?.company ?? '', tracking_no: '' }])}>
              {t('ship.addParcel')}
            </button>
          </p>
        )}
        {invalid && touched && <p class="error">{invalid}</p>}
        <ErrorLine error={error} detail />
        <div class="actions">
          <button class="primary" type="submit" disabled={busy || !built.ok}>
            {t('ship.submit')}
          </button>
          <button type="button" onClick={props.onClose}>
            {t('common.cancel')}
          </button>
        </div>
      </form>
    </div>
  );
}
