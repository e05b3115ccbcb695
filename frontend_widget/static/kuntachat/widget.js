/* Kuntachat loader: draws the launcher button; the chat itself (widget-app.js, widget.css)
   loads on first open. Embed: <script src="https://CHAT-HOST/widget.js" data-municipality="slug" async>
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
  const ctx = {
    origin, slug, municipality: slug, storageKey: key, strings: LABEL,
    wsUrl: origin.replace(/^http/, 'ws'),
    lang: pick(me.getAttribute('data-lang')) || pick(d.documentElement.lang) || 'fi',
  };
  let app = null, loading = false, wantOpen = false;

  function setup() {
    const host = d.createElement('kuntachat-widget');
    const root = host.attachShadow({mode: 'open'});
    if (/^#[0-9a-f]{6}$/i.test(stored.theme || '')) host.style.setProperty('--kc-theme', stored.theme);
    root.innerHTML = '<style>:host{all:initial}' +
      '.kc-launcher{position:fixed;right:20px;bottom:20px;z-index:2147483000;width:60px;height:60px;' +
      'margin:0;padding:0;border:0;border-radius:50%;background:var(--kc-theme,#1f5f8b);color:#fff;' +
      'cursor:pointer;display:flex;align-items:center;justify-content:center;box-shadow:0 3px 10px rgba(0,0,0,.35)}' +
      '.kc-launcher:focus-visible{outline:3px solid #111;outline-offset:2px;box-shadow:0 0 0 2px #fff}' +
      '.kc-launcher svg{width:30px;height:30px;fill:currentColor}' +
      '.kc-launcher[aria-expanded=true] .kc-i1,.kc-launcher:not([aria-expanded=true]) .kc-i2{display:none}' +
      '.kc-badge{position:absolute;top:-4px;right:-4px;min-width:22px;height:22px;padding:0 6px;box-sizing:border-box;' +
      'border-radius:11px;background:#b00020;color:#fff;font:700 13px/22px system-ui,sans-serif;text-align:center;' +
      'box-shadow:0 0 0 2px #fff;pointer-events:none}.kc-badge[hidden]{display:none}' +
      '@media (prefers-reduced-motion:no-preference){.kc-launcher{transition:transform .15s}.kc-launcher:hover{transform:scale(1.06)}}' +
      '@media print{.kc-launcher{display:none}}</style>' +
      '<button type="button" class="kc-launcher" data-testid="launcher" aria-expanded="false">' +
      '<svg class="kc-i1" viewBox="0 0 24 24" aria-hidden="true" focusable="false">' +
      '<path d="M20 2H4a2 2 0 0 0-2 2v18l4-4h14a2 2 0 0 0 2-2V4a2 2 0 0 0-2-2zM6 9h12v2H6zm0-4h12v2H6zm0 8h8v2H6z"/></svg>' +
      '<svg class="kc-i2" viewBox="0 0 24 24" aria-hidden="true" focusable="false">' +
      '<path d="M19 6.4 17.6 5 12 10.6 6.4 5 5 6.4 10.6 12 5 17.6 6.4 19 12 13.4 17.6 19 19 17.6 13.4 12z"/></svg>' +
      '<span class="kc-badge" data-testid="badge" aria-hidden="true" hidden></span></button>';
    const launcher = root.querySelector('button');
    Object.assign(ctx, {host, root, launcher, badge: root.querySelector('.kc-badge')});
    label();
    launcher.addEventListener('click', () => (app ? app.toggle() : load(true)));
    d.body.appendChild(host);

    const api = {
      loaded: true,
      open() { if (app) app.open(); else load(true); },
      close() { wantOpen = false; if (app) app.close(); },
      toggle() { if (app) app.toggle(); else load(true); },
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
    // An active conversation: load now, so replies that arrive while closed show on the badge.
    if (!app && stored.token && stored.state !== 'closed') load(false);
  }

  function label() { ctx.launcher.setAttribute('aria-label', LABEL[ctx.lang]); }

  function load(open) {
    if (open) wantOpen = true;
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
      if (wantOpen) app.open();
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
