// The emulator console: what "WeChat" saw (test users and their codes, transactions,
// every notification delivery and its answer, refunds, the order shipping management's orders,
// a day's trade bill, phone codes, subscribe templates, subscriptions and the messages phones
// show, the access_token, the message pushes) and the buttons that stand in for a phone and for
// bad days (mint a login code, pay or fail, send again, the buyer's confirm receipt, settle now,
// tap the phone-number button, answer the subscribe popup, drop the next notification,
// invalidate the token, switch signing, queue a fault, make the day's bill now). Served by the
// emulator, never by the service.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import '../shared/style.css';
import { translator, useLang } from '../shared/i18n';
import { ErrorLine, Header, Loading } from '../shared/ui';
import { Bills } from './Bills';
import { Controls } from './Controls';
import { Deliveries } from './Deliveries';
import { dict } from './messages';
import { Phone } from './Phone';
import { Pushes } from './Pushes';
import { Refunds } from './Refunds';
import { Shipping } from './Shipping';
import { type Act, useSnapshot } from './snapshot';
import { Subscribe } from './Subscribe';
import { Token } from './Token';
import { Transactions } from './Transactions';
import { Users } from './Users';

const t = translator(dict);

function App() {
  useLang();
  const { snap, error, refresh } = useSnapshot();
  const [actError, setActError] = useState<unknown>(null);
  const [notice, setNotice] = useState('');
  useEffect(() => void (document.title = t('title')));
  const act: Act = async (call, done) => {
    setActError(null);
    setNotice('');
    try {
      const { error } = await call();
      if (error !== undefined) setActError(error);
      else if (done) setNotice(done);
    } catch (err) {
      setActError(err);
    }
    await refresh();
  };
  const section = (id: string, label: string) => <a href={`#${id}`}>{label}</a>;
  return (
    <>
      <Header title={t('title')}>
        {section('transactions', t('nav.transactions'))}
        {section('deliveries', t('nav.deliveries'))}
        {section('refunds', t('nav.refunds'))}
        {section('shipping', t('nav.shipping'))}
        {section('bills', t('nav.bills'))}
        {section('users', t('nav.users'))}
        {section('phone', t('nav.phone'))}
        {section('subscribe', t('nav.subscribe'))}
        {section('token', t('nav.token'))}
        {section('pushes', t('nav.pushes'))}
        {section('controls', t('nav.controls'))}
      </Header>
      <main>
        <p class="muted">{t('intro')}</p>
        <ErrorLine error={error} />
        <ErrorLine error={actError} />
        {notice && (
          <p class="notice" role="status">
            {notice}
          </p>
        )}
        {snap === null ? (
          error === null && <Loading />
        ) : (
          <>
            <Transactions items={snap.transactions} act={act} />
            <Deliveries items={snap.deliveries} />
            <Refunds items={snap.refunds} act={act} />
            <Shipping shipping={snap.shipping} act={act} />
            <Bills act={act} />
            <Users items={snap.users} />
            <Phone phone={snap.phone} act={act} />
            <Subscribe subscribe={snap.subscribe} users={snap.users.map((u) => u.user)} act={act} />
            <Token token={snap.token} act={act} />
            <Pushes pushes={snap.pushes} act={act} />
            <Controls faults={snap.faults} signMode={snap.signMode} act={act} />
          </>
        )}
      </main>
    </>
  );
}

const root = document.getElementById('app');
if (root) render(<App />, root);
