/* Kuntachat loader: draws the launcher button; the chat itself (widget-app.js, widget.css)
   loads on first open. Embed: <script src="https://CHAT-HOST/widget.js" data-municipality="slug" async>
   Calls made before this script ran are queued in window.Kuntachat.q (docs/widget.md).
   Handshake: widget-app.js sets window.__kuntachatApp = mount; once both it and the CSS have
   loaded, the loader calls mount(ctx), which returns {open, close, toggle, setLanguage}. */
(function () {
  'use strict';
  const w = window, d = document;
  if (w.Kuntachat && w.Kuntachat.loaded) return;
  const me = d.currentScript || d.querySelector('script[data-municipality]');
  if (!me || !me.src) return;
  const slug = me.getAttribute('data-municipality') || '';
  const LABEL = {fi: 'Avaa chat', sv: 'Öppna chatten', en: 'Open chat'};
  const pick = (l) => (l = String(l || '').slice(0, 2).toLowerCase()) in LABEL ? l : '';
  const origin = new URL(me.src, location.href).origin;
  const key = 'kuntachat:' + slug;
  const stored = (() => {
    try { return JSON.parse(localStorage.getItem(key)) || {}; } catch (e) { return {}; }
  })();
  const wasOpen = (() => {
    try { return sessionStorage.getItem(key + ':open') === '1'; } catch (e) { return false; }
  })();
  const ctx = {
    origin, slug, storageKey: key,
    wsUrl: origin.replace(/^http/, 'ws'),
    lang: pick(me.getAttribute('data-lang')) || pick(d.documentElement.lang) || 'fi',
  };
  // :host loses to a page rule with !important on the host element (say `* {color: red
  // !important}`), and inherited values would flow in; `all: initial` on the shell inside
  // the shadow root is out of the page's reach.
  const CSS = ':host{all:initial}aside{all:initial}' +
    '.kc-launcher{position:fixed;right:20px;bottom:20px;z-index:2147483000;width:60px;height:60px;' +
    'margin:0;padding:0;border:0;border-radius:50%;background:var(--kc-theme,#1f5f8b);color:#fff;' +
    'cursor:pointer;display:flex;align-items:center;justify-content:center;box-shadow:0 3px 10px rgba(0,0,0,.35)}' +
    '.kc-launcher:focus{outline:none}' +
    '.kc-launcher:focus-visible{outline:3px solid #111;outline-offset:2px;box-shadow:0 0 0 2px #fff}' +
    '.kc-launcher svg{width:30px;height:30px;fill:currentColor}' +
    '.kc-launcher[aria-expanded=true] .kc-i1,.kc-launcher:not([aria-expanded=true]) .kc-i2{display:none}' +
    '.kc-badge{position:absolute;top:-4px;right:-4px;min-width:22px;height:22px;padding:0 6px;box-sizing:border-box;' +
    'border-radius:11px;background:#b00020;color:#fff;font:700 13px/22px system-ui,sans-serif;text-align:center;' +
    'box-shadow:0 0 0 2px #fff;pointer-events:none}.kc-badge[hidden]{display:none}' +
    '@media (prefers-reduced-motion:no-preference){.kc-launcher{transition:transform .15s}.kc-launcher:hover{transform:scale(1.06)}}' +
    '@media (forced-colors:active){.kc-launcher{border:2px solid ButtonText}}' +
    '@media print{.kc-launcher{display:none}}';
  let app = null, loading = false, wantOpen = false, focusOnOpen = true;

  // DOM calls rather than innerHTML: pages that enforce Trusted Types allow these.
  const svg = (cls, path) => {
    const s = d.createElementNS('http://www.w3.org/2000/svg', 'svg');
    s.setAttribute('class', cls);
    s.setAttribute('viewBox', '0 0 24 24');
    s.setAttribute('aria-hidden', 'true');
    s.setAttribute('focusable', 'false');
    const p = d.createElementNS('http://www.w3.org/2000/svg', 'path');
    p.setAttribute('d', path);
    s.appendChild(p);
    return s;
  };

  function setup() {
    const host = d.createElement('kuntachat-widget');
    const root = host.attachShadow({mode: 'open'});
    if (/^#[0-9a-f]{6}$/i.test(stored.theme || '')) host.style.setProperty('--kc-theme', stored.theme);
    // A constructed stylesheet is not an inline <style>, so a page's CSP without
    // 'unsafe-inline' still lets the launcher be styled; older browsers get the <style>.
    try {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      root.adoptedStyleSheets = [sheet];
    } catch (e) {
      const style = d.createElement('style');
      style.textContent = CSS;
      root.appendChild(style);
    }
    // One landmark holds the launcher and the panel, so that they are not loose content
    // outside the page's landmarks (axe: region).
    const shell = d.createElement('aside');
    shell.setAttribute('aria-label', 'Kuntachat');
    const launcher = d.createElement('button');
    launcher.type = 'button';
    launcher.className = 'kc-launcher';
    launcher.setAttribute('data-testid', 'launcher');
    launcher.setAttribute('aria-expanded', 'false');
    const badge = d.createElement('span');
    badge.className = 'kc-badge';
    badge.setAttribute('data-testid', 'badge');
    badge.setAttribute('aria-hidden', 'true');  // the count is in the launcher's name
    badge.hidden = true;
    launcher.append(
      svg('kc-i1', 'M20 2H4a2 2 0 0 0-2 2v18l4-4h14a2 2 0 0 0 2-2V4a2 2 0 0 0-2-2zM6 9h12v2H6zm0-4h12v2H6zm0 8h8v2H6z'),
      svg('kc-i2', 'M19 6.4 17.6 5 12 10.6 6.4 5 5 6.4 10.6 12 5 17.6 6.4 19 12 13.4 17.6 19 19 17.6 13.4 12z'),
      badge);
    shell.appendChild(launcher);
    root.appendChild(shell);
    Object.assign(ctx, {host, root, shell, launcher, badge});
    label();
    launcher.addEventListener('click', () => (app ? app.toggle() : load(true, true)));
    d.body.appendChild(host);

    const api = {
      loaded: true,
      open() { if (app) app.open(); else load(true, true); },
      close() { wantOpen = false; if (app) app.close(); },
      toggle() { if (app) app.toggle(); else load(true, true); },
      setLanguage(l) {
        if (!(l = pick(l))) return;
        ctx.lang = l;
        if (app) app.setLanguage(l); else label();
      },
    };
    const run = (c) => { if (c && typeof api[c[0]] === 'function') api[c[0]](...[].slice.call(c, 1)); };
    const q = w.Kuntachat && Array.isArray(w.Kuntachat.q) ? w.Kuntachat.q : [];
    api.q = {push: run};  // late pushes to a copied stub still work
    w.Kuntachat = api;
    q.forEach(run);
    // Open in this tab before a reload or navigation: open again, without taking focus.
    if (!app && wasOpen) load(true, false);
    // An active conversation: load now, so replies that arrive while closed show on the badge.
    else if (!app && stored.token && !/^(closed|abandoned)$/.test(stored.state)) load(false);
  }

  function label() {
    ctx.host.lang = ctx.lang;
    ctx.launcher.setAttribute('aria-label', LABEL[ctx.lang]);
  }

  function load(open, focus) {
    if (open) { wantOpen = true; focusOnOpen = focus !== false; }
    if (loading) return;
    loading = true;
    ctx.launcher.setAttribute('aria-busy', 'true');
    let left = 2;
    const done = () => {
      if (--left) return;
      ctx.launcher.removeAttribute('aria-busy');
      const mount = w.__kuntachatApp;
      if (typeof mount !== 'function') { loading = false; return; }  // a later click retries
      app = mount(ctx);
      if (wantOpen) app.open(focusOnOpen);
    };
    const css = d.createElement('link');
    css.rel = 'stylesheet';
    css.href = origin + '/static/kuntachat/widget.css';
    css.onload = css.onerror = done;
    ctx.root.appendChild(css);
    if (typeof w.__kuntachatApp === 'function') return done();
    const js = d.createElement('script');
    js.src = origin + '/static/kuntachat/widget-app.js';
    js.async = true;
    js.onload = done;
    js.onerror = () => { js.remove(); done(); };
    d.head.appendChild(js);
  }

  if (d.body) setup(); else d.addEventListener('DOMContentLoaded', setup);
})();
