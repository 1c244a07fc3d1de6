// Small pieces both consoles use: the header with the language switch, badges, error lines.
import type { ComponentChildren } from 'preact';
import { getLang, setLang, translator, useLang } from './i18n';
import { shared } from './messages';
import { describe } from './problem';

const t = translator(shared);

export function Header(props: { title: string; children?: ComponentChildren }) {
  useLang();
  return (
    <header class="top">
      <strong class="brand">{props.title}</strong>
      <nav class="nav">{props.children}</nav>
      <button type="button" class="link lang" data-testid="lang" onClick={() => setLang(getLang() === 'zh-CN' ? 'en' : 'zh-CN')}>
        {t('lang.switch')}
      </button>
    </header>
  );
}

/** A state as a coloured label; tone groups states (ok, wait, bad, off). */
export function Badge(props: { tone: 'ok' | 'wait' | 'bad' | 'off'; label: string; code: string }) {
  return (
    <span class={`badge ${props.tone}`} data-state={props.code} title={props.code}>
      {props.label}
    </span>
  );
}

/** The line shown for a failed call, or nothing; detail adds a problem's detail. */
export function ErrorLine(props: { error: unknown; detail?: boolean }) {
  useLang();
  if (props.error === undefined || props.error === null) return null;
  return (
    <p class="error" role="alert">
      {describe(props.error, props.detail)}
    </p>
  );
}

export function Loading() {
  return <p class="muted">{t('common.loading')}</p>;
}
