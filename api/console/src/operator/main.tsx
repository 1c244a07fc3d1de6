// The operator console: sign in with an operator API key, then orders, one order (with the
// refund dialog), buyers' refund requests (售后) to approve or reject, refunds WeChat Pay has not
// settled, each day's reconciliation with WeChat Pay's trade bill (and one day's differences),
// what needs a person, and products, all over the operator API (/admin/v1).
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import '../shared/style.css';
import { translator, useLang } from '../shared/i18n';
import { Header } from '../shared/ui';
import { Attention } from './Attention';
import { forgetAttentionCount, refreshAttentionCount, useAttentionCount } from './attention-count';
import { BillPage } from './BillPage';
import { Bills } from './Bills';
import { countLabel } from './labels';
import { dict } from './messages';
import { OrderPage } from './OrderPage';
import { Orders } from './Orders';
import { Products } from './Products';
import { Refunds } from './Refunds';
import { forgetRequestCount, refreshRequestCount, useRequestCount } from './request-count';
import { Requests } from './Requests';
import { BASE, onLinkClick, parse, useLocation } from './router';
import { onSessionChange, operatorKey, signOut } from './session';
import { SignIn } from './SignIn';

const t = translator(dict);

function App() {
  useLang();
  const location = useLocation();
  const [signedIn, setSignedIn] = useState(operatorKey() !== null);
  useEffect(() => onSessionChange(() => setSignedIn(operatorKey() !== null)), []);
  useEffect(() => void (document.title = t('title')));
  const count = useAttentionCount();
  const requests = useRequestCount();
  // The nav's counts (open items, waiting refund requests), read again on every page.
  useEffect(() => {
    if (signedIn) {
      void refreshAttentionCount();
      void refreshRequestCount();
    } else {
      forgetAttentionCount();
      forgetRequestCount();
    }
  }, [signedIn, location.pathname]);
  const route = parse(location.pathname);
  const nav = (href: string, label: string, active: boolean, n?: number | null, testid?: string) => (
    <a href={href} class={active ? 'active' : ''} onClick={onLinkClick}>
      {label}
      {n !== undefined && n !== null && (
        <>
          {' '}
          <span class={n === 0 ? 'count zero' : 'count'} data-testid={testid}>
            {countLabel(n)}
          </span>
        </>
      )}
    </a>
  );
  return (
    <>
      <Header title={t('title')}>
        {signedIn && (
          <>
            {nav(BASE, t('nav.orders'), route.page === 'orders' || route.page === 'order')}
            {nav(`${BASE}refund-requests`, t('nav.requests'), route.page === 'requests', requests, 'request-count')}
            {nav(`${BASE}refunds`, t('nav.refunds'), route.page === 'refunds')}
            {nav(`${BASE}bills`, t('nav.bills'), route.page === 'bills' || route.page === 'bill')}
            {nav(`${BASE}attention`, t('nav.attention'), route.page === 'attention', count, 'attention-count')}
            {nav(`${BASE}products`, t('nav.products'), route.page === 'products')}
            <button type="button" class="link" data-testid="sign-out" onClick={signOut}>
              {t('nav.signOut')}
            </button>
          </>
        )}
      </Header>
      <main>
        {!signedIn ? (
          <SignIn />
        ) : route.page === 'orders' ? (
          <Orders />
        ) : route.page === 'order' ? (
          <OrderPage id={route.id} />
        ) : route.page === 'requests' ? (
          <Requests />
        ) : route.page === 'refunds' ? (
          <Refunds />
        ) : route.page === 'bills' ? (
          <Bills />
        ) : route.page === 'bill' ? (
          <BillPage key={route.day} day={route.day} />
        ) : route.page === 'attention' ? (
          <Attention />
        ) : route.page === 'products' ? (
          <Products />
        ) : (
          <p>{t('missing')}</p>
        )}
      </main>
    </>
  );
}

const root = document.getElementById('app');
if (root) render(<App />, root);
