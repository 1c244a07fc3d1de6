// The catalog, inactive products included: add one, change name, price, stock, kind (sent,
// virtual or picked up: what an order of it needs and how it ships) or whether it is for sale.
// Prices are typed in yuan and sent in fen; a PATCH carries only what changed.
import { useEffect, useState } from 'preact/hooks';
import { translator } from '../shared/i18n';
import { fenToYuanInput, formatFen, parseYuan } from '../shared/money';
import { ErrorLine, Loading } from '../shared/ui';
import { api, type Schemas } from './client';
import { PRODUCT_KINDS, productKindLabel } from './labels';
import { dict, type OperatorKey } from './messages';

const t = translator(dict);
type Product = Schemas['AdminProduct'];
type Kind = Schemas['ProductKind'];

function KindSelect(props: { value: Kind; onChange: (k: Kind) => void; labelled?: boolean }) {
  return (
    <select name="kind" aria-label={props.labelled ? t('products.kind') : undefined} value={props.value} onChange={(e) => props.onChange(e.currentTarget.value as Kind)}>
      {PRODUCT_KINDS.map((k) => (
        <option value={k}>{productKindLabel(k)}</option>
      ))}
    </select>
  );
}

/** A price in fen, or the key of why the input is not one. */
function price(input: string): number | OperatorKey {
  const p = parseYuan(input);
  if (!p.ok) return `money.${p.error}` as const;
  return p.fen === 0 ? 'products.priceZero' : p.fen;
}

function stock(input: string): number | OperatorKey {
  return /^\d{1,10}$/.test(input.trim()) ? Number(input.trim()) : 'products.stockInvalid';
}

export function Products() {
  const [items, setItems] = useState<Product[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = async (): Promise<void> => {
    try {
      const { data, error } = await api.GET('/admin/v1/products');
      setError(error ?? null);
      if (data) setItems(data.items);
    } catch (err) {
      setError(err);
    }
  };
  useEffect(() => void load(), []);
  return (
    <>
      <h1>{t('products.title')}</h1>
      <NewProduct onCreated={load} />
      <ErrorLine error={error} />
      {items === null ? (
        error === null && <Loading />
      ) : (
        <div class="scroll">
          <table data-testid="products">
            <thead>
              <tr>
                <th>{t('products.sku')}</th>
                <th>{t('products.name')}</th>
                <th class="num">{t('products.price')}</th>
                <th class="num">{t('products.stock')}</th>
                <th>{t('products.kind')}</th>
                <th>{t('products.active')}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {items.map((p) => (
                <ProductRow key={`${p.id}:${p.updated_at}`} product={p} onSaved={load} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

function ProductRow(props: { product: Product; onSaved: () => void }) {
  const p = props.product;
  const [name, setName] = useState(p.name);
  const [priceIn, setPrice] = useState(fenToYuanInput(p.price_fen));
  const [stockIn, setStock] = useState(String(p.stock));
  const [active, setActive] = useState(p.active);
  const [kind, setKind] = useState<Kind>(p.kind);
  const [error, setError] = useState<unknown>(null);
  const pr = price(priceIn);
  const st = stock(stockIn);
  const invalid = typeof pr === 'string' ? t(pr) : typeof st === 'string' ? t(st) : name.trim() === '' ? t('money.empty') : '';
  const change: Schemas['ProductChange'] = {};
  if (name.trim() !== p.name) change.name = name.trim();
  if (typeof pr === 'number' && pr !== p.price_fen) change.price_fen = pr;
  if (typeof st === 'number' && st !== p.stock) change.stock = st;
  if (active !== p.active) change.active = active;
  if (kind !== p.kind) change.kind = kind;
  const dirty = Object.keys(change).length > 0;

  const save = async (): Promise<void> => {
    try {
      const { error } = await api.PATCH('/admin/v1/products/{productId}', { params: { path: { productId: p.id } }, body: change });
      if (error) setError(error);
      else props.onSaved();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <tr data-sku={p.sku}>
      <td class="mono" data-label={t('products.sku')}>
        {p.sku}
      </td>
      <td data-label={t('products.name')}>
        <input name="name" aria-label={t('products.name')} maxLength={100} value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </td>
      <td class="num" data-label={t('products.price')}>
        <input name="price" aria-label={t('products.price')} inputMode="decimal" size={8} value={priceIn} onInput={(e) => setPrice(e.currentTarget.value)} />
        <div class="muted">{formatFen(p.price_fen)}</div>
      </td>
      <td class="num" data-label={t('products.stock')}>
        <input name="stock" aria-label={t('products.stock')} inputMode="numeric" size={6} value={stockIn} onInput={(e) => setStock(e.currentTarget.value)} />
      </td>
      <td data-label={t('products.kind')} data-kind={p.kind}>
        <KindSelect value={kind} onChange={setKind} labelled />
      </td>
      <td data-label={t('products.active')}>
        <input name="active" type="checkbox" aria-label={t('products.active')} checked={active} onChange={(e) => setActive(e.currentTarget.checked)} />
      </td>
      <td class="act">
        <button type="button" class="primary" disabled={!dirty || invalid !== ''} onClick={save}>
          {t('common.save')}
        </button>
        {invalid && <div class="error">{invalid}</div>}
        <ErrorLine error={error} />
      </td>
    </tr>
  );
}

function NewProduct(props: { onCreated: () => void }) {
  const empty = { sku: '', name: '', description: '', price: '', stock: '0', active: true, kind: 'pickup' as Kind };
  const [f, setF] = useState(empty);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState('');
  const pr = price(f.price);
  const st = stock(f.stock);
  const invalid = f.price === '' ? '' : typeof pr === 'string' ? t(pr) : typeof st === 'string' ? t(st) : '';
  const text = (k: 'sku' | 'name' | 'description' | 'price' | 'stock') => ({
    name: k,
    value: f[k],
    onInput: (e: Event) => setF({ ...f, [k]: (e.currentTarget as HTMLInputElement).value }),
  });
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    if (typeof pr !== 'number' || typeof st !== 'number') return;
    setError(null);
    try {
      const body = { sku: f.sku.trim(), name: f.name.trim(), description: f.description.trim(), price_fen: pr, stock: st, active: f.active, kind: f.kind };
      const { data, error } = await api.POST('/admin/v1/products', { body });
      if (error) return setError(error);
      setNotice(t('products.created', { name: data.name }));
      setF(empty);
      props.onCreated();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form class="card" onSubmit={submit} data-testid="new-product">
      <h2>{t('products.new')}</h2>
      <div class="row">
        <label>
          {t('products.sku')}
          <input required maxLength={64} pattern="[0-9A-Za-z_.\-]+" {...text('sku')} />
        </label>
        <label>
          {t('products.name')}
          <input required maxLength={100} {...text('name')} />
        </label>
        <label>
          {t('products.price')}
          <input required inputMode="decimal" size={8} {...text('price')} />
        </label>
        <label>
          {t('products.stock')}
          <input required inputMode="numeric" size={6} {...text('stock')} />
        </label>
        <label>
          {t('products.kind')}
          <KindSelect value={f.kind} onChange={(kind) => setF({ ...f, kind })} />
        </label>
        <label class="inline">
          <input type="checkbox" name="active" checked={f.active} onChange={(e) => setF({ ...f, active: e.currentTarget.checked })} />
          {t('products.active')}
        </label>
      </div>
      <label>
        {t('products.description')}
        <input maxLength={500} {...text('description')} />
      </label>
      {invalid && <p class="error">{invalid}</p>}
      <ErrorLine error={error} />
      {notice && <p class="notice">{notice}</p>}
      <button class="primary" type="submit" disabled={invalid !== '' || typeof pr !== 'number'}>
        {t('products.create')}
      </button>
    </form>
  );
}
