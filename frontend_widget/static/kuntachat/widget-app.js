/* Kuntachat resident chat: the panel that widget.js loads on first open.
   Protocol: docs/protocol.md. Handshake: this file sets window.__kuntachatApp = mount; the
   loader calls mount(ctx) with {host, root, launcher, badge, origin, wsUrl, slug, lang,
   storageKey} and gets back {open, close, toggle, setLanguage}. */
(function () {
  'use strict';

  const STR = {
    fi: {
      title: 'Asiointichat', close: 'Sulje chat', open: 'Avaa chat', langs: 'Kieli',
      privacy: 'Älä kirjoita henkilötunnustasi tai terveystietojasi chattiin.',
      log: 'Keskustelu', label: 'Kirjoita viesti', placeholder: 'Kirjoita viestisi…', send: 'Lähetä',
      sending: 'Lähetetään…', notSent: 'Ei lähetetty', connecting: 'Yhdistetään…',
      reconnecting: 'Yhdistetään uudelleen…',
      newConv: 'Aloita uusi keskustelu', you: 'Sinä', bot: 'Chatbotti', agent: 'Asiakaspalvelu',
      system: 'Ilmoitus', unread: (n) => (n === 1 ? '1 uusi viesti' : n + ' uutta viestiä'),
      err: {
        text_too_long: 'Viesti on liian pitkä. Lyhennä sitä ja yritä uudelleen.',
        empty_text: 'Viesti on tyhjä.',
        rate_limited: 'Lähetit viestejä liian nopeasti. Viesti lähetetään hetken kuluttua uudelleen.',
        origin_not_allowed: 'Chat ei ole käytettävissä tällä sivustolla.',
        unknown_municipality: 'Tämän kunnan chattia ei löytynyt.',
        conversation_closed: 'Keskustelu on päättynyt. Voit aloittaa uuden keskustelun.',
        conversation_not_found: 'Aiempaa keskustelua ei löytynyt, joten aloitettiin uusi.',
        unknown_entry: 'Valittua vastausta ei löytynyt. Kirjoita kysymyksesi omin sanoin.',
        other: 'Jokin meni vikaan. Yritä uudelleen.',
      },
    },
    sv: {
      title: 'Chatt', close: 'Stäng chatten', open: 'Öppna chatten', langs: 'Språk',
      privacy: 'Skriv inte din personbeteckning eller hälsouppgifter i chatten.',
      log: 'Samtal', label: 'Skriv ett meddelande', placeholder: 'Skriv ditt meddelande…', send: 'Skicka',
      sending: 'Skickas…', notSent: 'Inte skickat', connecting: 'Ansluter…',
      reconnecting: 'Återansluter…',
      newConv: 'Starta ett nytt samtal', you: 'Du', bot: 'Chattbot', agent: 'Kundtjänst',
      system: 'Meddelande', unread: (n) => (n === 1 ? '1 nytt meddelande' : n + ' nya meddelanden'),
      err: {
        text_too_long: 'Meddelandet är för långt. Korta ner det och försök igen.',
        empty_text: 'Meddelandet är tomt.',
        rate_limited: 'Du skickade meddelanden för snabbt. Meddelandet skickas på nytt om en stund.',
        origin_not_allowed: 'Chatten är inte tillgänglig på den här webbplatsen.',
        unknown_municipality: 'Kommunens chatt hittades inte.',
        conversation_closed: 'Samtalet har avslutats. Du kan starta ett nytt samtal.',
        conversation_not_found: 'Det tidigare samtalet hittades inte, så ett nytt samtal har startats.',
        unknown_entry: 'Det valda svaret hittades inte. Skriv din fråga med egna ord.',
        other: 'Något gick fel. Försök igen.',
      },
    },
    en: {
      title: 'Chat', close: 'Close chat', open: 'Open chat', langs: 'Language',
      privacy: 'Do not type your personal identity code or health details in the chat.',
      log: 'Conversation', label: 'Write a message', placeholder: 'Write your message…', send: 'Send',
      sending: 'Sending…', notSent: 'Not sent', connecting: 'Connecting…',
      reconnecting: 'Reconnecting…',
      newConv: 'Start a new conversation', you: 'You', bot: 'Chatbot', agent: 'Customer service',
      system: 'Notice', unread: (n) => (n === 1 ? '1 new message' : n + ' new messages'),
      err: {
        text_too_long: 'The message is too long. Please shorten it and try again.',
        empty_text: 'The message is empty.',
        rate_limited: 'You sent messages too quickly. The message will be sent again in a moment.',
        origin_not_allowed: 'The chat is not available on this website.',
        unknown_municipality: "This municipality's chat was not found.",
        conversation_closed: 'This conversation has ended. You can start a new one.',
        conversation_not_found: 'The earlier conversation was not found, so a new one was started.',
        unknown_entry: 'The chosen answer was not found. Please type your question in your own words.',
        other: 'Something went wrong. Please try again.',
      },
    },
  };
  const LANG_NAMES = {fi: 'suomi', sv: 'svenska', en: 'English'};
  const LOCALES = {fi: 'fi-FI', sv: 'sv-FI', en: 'en-GB'};
  // Errors that answer one frame the client sent (the server handles frames in order).
  const FRAME_ERRORS = ['text_too_long', 'empty_text', 'invalid_text', 'invalid_client_id',
    'unknown_entry', 'conversation_closed', 'rate_limited', 'malformed_json', 'malformed_frame',
    'unknown_type', 'frame_too_large', 'binary_not_supported'];
  const FATAL = ['origin_not_allowed', 'unknown_municipality'];
  const SAFE_TAGS = /^(A|P|BR|STRONG|B|EM|I|UL|OL|LI|CODE|PRE|BLOCKQUOTE|H[3-6]|HR)$/;
  const SAFE_HREF = /^(https?:|mailto:|tel:)/i;
  const ICON_X = '<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="M19 6.4 17.6 5 12 10.6 6.4 5 5 6.4 10.6 12 5 17.6 6.4 19 12 13.4 17.6 19 19 17.6 13.4 12z"/></svg>';

  const el = (tag, props, kids) => {
    const e = document.createElement(tag);
    for (const k in props || {}) {
      if (k === 'text') e.textContent = props[k];
      else if (k === 'cls') e.className = props[k];
      else e.setAttribute(k, props[k]);
    }
    (kids || []).forEach((c) => c && e.append(c));
    return e;
  };

  function newId() {
    const c = window.crypto;
    if (c && c.randomUUID) return c.randomUUID();
    const b = new Uint8Array(16);
    if (c && c.getRandomValues) c.getRandomValues(b);
    else for (let i = 0; i < 16; i++) b[i] = Math.random() * 256;
    return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  }

  // WCAG relative luminance and a colour darkened until white text on it reaches `ratio`.
  function luminance(rgb) {
    const [r, g, b] = rgb.map((v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  }
  function darken(hex, ratio) {
    if (!/^#[0-9a-f]{6}$/i.test(hex || '')) hex = '#1f5f8b';
    let rgb = [1, 3, 5].map((i) => parseInt(hex.substr(i, 2), 16));
    while (1.05 / (luminance(rgb) + 0.05) < ratio) rgb = rgb.map((v) => Math.floor(v * 0.92));
    return '#' + rgb.map((v) => v.toString(16).padStart(2, '0')).join('');
  }

  // Defence in depth: the server already sanitises `html`; keep only its tags and safe links.
  function safeHtml(html) {
    const t = document.createElement('template');  // inert: nothing loads or runs
    t.innerHTML = html;
    Array.from(t.content.querySelectorAll('*')).reverse().forEach((n) => {
      if (!SAFE_TAGS.test(n.tagName)) {
        if (/^(SCRIPT|STYLE|TEMPLATE|IFRAME|OBJECT|EMBED|SVG|MATH)$/i.test(n.tagName)) n.remove();
        else n.replaceWith(...n.childNodes);
        return;
      }
      for (const a of Array.from(n.attributes)) {
        if (!(n.tagName === 'A' && (a.name === 'href' || a.name === 'title'))) n.removeAttribute(a.name);
      }
      if (n.tagName === 'A') {
        if (!SAFE_HREF.test((n.getAttribute('href') || '').trim())) n.removeAttribute('href');
        n.setAttribute('target', '_blank');
        n.setAttribute('rel', 'noopener noreferrer');
      }
    });
    return t.content;
  }

  function mount(ctx) {
    const root = ctx.root, launcher = ctx.launcher, badge = ctx.badge;
    const key = ctx.storageKey || 'kuntachat:' + ctx.slug;
    let lang = STR[ctx.lang] ? ctx.lang : 'fi';
    let langs = null, name = '', maxChars = 2000, greeting = '';
    let ws = null, live = false, welcomed = false, fatal = false, attempt = 0;
    let retryTimer = 0, beatTimer = 0, resendTimer = 0, awaitingPong = false;
    let inflight = [];  // client_ids (null for pings) sent on this socket, oldest first
    let seen = new Set(), unread = 0, isOpen = false, lastError = '';
    let st = load();

    function load() {
      let s = null;
      try { s = JSON.parse(localStorage.getItem(key)); } catch (e) { /* blocked or bad */ }
      s = s && typeof s === 'object' ? s : {};
      return {
        token: typeof s.token === 'string' ? s.token : null,
        lastSeq: +s.lastSeq || 0,
        pending: Array.isArray(s.pending)
          ? s.pending.filter((p) => p && typeof p.client_id === 'string' && typeof p.text === 'string') : [],
        read: +s.read || 0,
        state: s.state || null,
        theme: s.theme || null,
      };
    }
    function save() {
      try { localStorage.setItem(key, JSON.stringify(st)); } catch (e) { /* storage full or blocked */ }
    }
    const t = () => STR[lang];

    // ---- DOM ------------------------------------------------------------------------------
    const title = el('h2', {id: 'kc-title', cls: 'kc-title'});
    const langBox = el('div', {cls: 'kc-langs', role: 'group'});
    const closeBtn = el('button', {type: 'button', cls: 'kc-close', 'data-testid': 'close'});
    closeBtn.innerHTML = ICON_X;
    const privacy = el('p', {cls: 'kc-privacy'});
    const status = el('div', {cls: 'kc-status', role: 'status', 'data-testid': 'status'});
    const log = el('div', {cls: 'kc-log', role: 'log', 'aria-live': 'polite', tabindex: '0', 'data-testid': 'log'});
    const error = el('div', {cls: 'kc-error', role: 'alert', 'data-testid': 'error'});
    const newBtn = el('button', {type: 'button', cls: 'kc-new', 'data-testid': 'new-conversation', hidden: ''});
    const label = el('label', {for: 'kc-input', cls: 'kc-vh'});
    const input = el('textarea', {id: 'kc-input', rows: '2', 'data-testid': 'composer', 'aria-describedby': 'kc-count'});
    const count = el('span', {id: 'kc-count', cls: 'kc-count', 'data-testid': 'counter'});
    const send = el('button', {type: 'submit', cls: 'kc-send', 'data-testid': 'send'});
    const form = el('form', {cls: 'kc-form', novalidate: ''}, [label, input, el('div', {cls: 'kc-bar'}, [count, send])]);
    const panel = el('section', {
      id: 'kc-panel', cls: 'kc-panel', role: 'dialog', 'aria-modal': 'false',
      'aria-labelledby': 'kc-title', 'data-testid': 'panel', hidden: '',
    }, [el('div', {cls: 'kc-head'}, [title, langBox, closeBtn]), privacy, status, log, error, newBtn, form]);
    const greetRow = el('div', {cls: 'kc-row kc-bot', hidden: ''});
    const greetBubble = el('div', {cls: 'kc-bubble', 'data-testid': 'greeting', 'data-sender': 'bot'});
    greetRow.append(greetBubble);
    greetRow.kcSeq = 0;
    log.append(greetRow);
    root.append(panel);
    launcher.setAttribute('aria-controls', 'kc-panel');
    if (st.theme) applyTheme(st.theme);

    function render() {
      const s = t();
      panel.lang = lang;
      title.textContent = '';
      if (name) title.append(el('span', {text: name}), ' ');
      title.append(el('span', {cls: name ? 'kc-sub' : '', text: s.title}));
      langBox.setAttribute('aria-label', s.langs);
      // Rebuilt only when the offer changes, so a pressed button keeps keyboard focus.
      const offer = langs && langs.length > 1 ? langs : [];
      if (langBox.dataset.offer !== offer.join()) {
        langBox.dataset.offer = offer.join();
        langBox.textContent = '';
        offer.forEach((l) => {
          const b = el('button', {type: 'button', lang: l, 'aria-label': LANG_NAMES[l], 'data-testid': 'lang-' + l, text: l});
          b.addEventListener('click', () => setLanguage(l));
          langBox.append(b);
        });
      }
      langBox.querySelectorAll('button').forEach((b) => b.setAttribute('aria-pressed', String(b.lang === lang)));
      log.querySelectorAll('.kc-who').forEach((w) => (w.textContent = s[w.dataset.who]));
      closeBtn.setAttribute('aria-label', s.close);
      privacy.textContent = s.privacy;
      log.setAttribute('aria-label', s.log);
      label.textContent = s.label;
      input.placeholder = s.placeholder;
      send.textContent = s.send;
      newBtn.textContent = s.newConv;
      log.querySelectorAll('.kc-pending:not(.kc-failed) .kc-meta').forEach((m) => (m.textContent = s.sending));
      if (status.textContent) setStatus(ws && !live && !welcomed ? 'connecting' : 'reconnecting');
      if (lastError) showError(lastError);
      updateCount();
      updateLauncher();
    }

    function applyTheme(hex) {
      const theme = darken(hex, 4.5);
      ctx.host.style.setProperty('--kc-theme', theme);
      // Links and outlines sit on light grey bubbles too, so they get a little more contrast.
      ctx.host.style.setProperty('--kc-link', darken(hex, 5.2));
      return theme;
    }

    function updateLauncher() {
      const s = t();
      launcher.setAttribute('aria-expanded', String(isOpen));
      launcher.setAttribute('aria-label', (isOpen ? s.close : s.open) + (unread ? ' – ' + s.unread(unread) : ''));
      badge.hidden = !unread;
      badge.textContent = unread > 9 ? '9+' : String(unread);
      if (unread) badge.setAttribute('aria-label', s.unread(unread));
    }

    function setStatus(kind) { status.textContent = kind ? t()[kind] : ''; }
    function showError(code) {
      lastError = code || '';
      error.textContent = code ? t().err[code] || t().err.other : '';
    }

    function updateCount() {
      const n = Array.from(input.value).length;
      const over = n > maxChars;
      count.textContent = n + ' / ' + maxChars;
      count.classList.toggle('kc-over', over);
      input.setAttribute('aria-invalid', String(over));
      send.disabled = fatal || over || !input.value.trim();
      if (!isOpen) return;
      input.style.height = 'auto';  // grow with the text, up to the CSS max-height
      input.style.height = Math.min(input.scrollHeight + 2, 120) + 'px';
    }

    // ---- Messages -------------------------------------------------------------------------
    const nearBottom = () => log.scrollHeight - log.scrollTop - log.clientHeight < 80;
    const toBottom = () => { log.scrollTop = log.scrollHeight; };

    function place(row, seq) {
      let slot = null;
      for (const c of log.children) {
        if (c.classList.contains('kc-pending') || c.kcSeq > seq) { slot = c; break; }
      }
      log.insertBefore(row, slot);
    }

    function timeOf(iso) {
      const d = new Date(iso);
      return isNaN(d) ? '' : d.toLocaleTimeString(LOCALES[lang], {hour: '2-digit', minute: '2-digit'});
    }

    function row(sender, seq) {
      const who = sender === 'resident' ? 'you' : sender;
      const r = el('div', {cls: 'kc-row kc-' + sender}, [
        el('div', {cls: /bot|agent/.test(sender) ? 'kc-who' : 'kc-who kc-vh', 'data-who': who, text: t()[who]}),
      ]);
      r.kcSeq = seq;
      return r;
    }

    function addMessage(f) {
      if (typeof f.seq !== 'number') return;
      if (f.sender === 'resident' && f.client_id) settle(f.client_id);
      if (seen.has(f.seq)) return;
      seen.add(f.seq);
      st.lastSeq = Math.max(st.lastSeq, f.seq);
      const sender = ['resident', 'bot', 'agent', 'system'].includes(f.sender) ? f.sender : 'system';
      const stick = nearBottom() || sender === 'resident';
      const r = row(sender, f.seq);
      const bubble = el('div', {cls: 'kc-bubble', 'data-testid': 'message', 'data-seq': f.seq, 'data-sender': sender});
      if (sender === 'resident' || typeof f.html !== 'string' || !f.html) bubble.textContent = f.text || '';
      else bubble.append(safeHtml(f.html));
      r.append(bubble);
      if (Array.isArray(f.suggestions) && f.suggestions.length) r.append(suggestions(f.suggestions));
      const time = timeOf(f.created);
      if (time) r.append(el('div', {cls: 'kc-meta', text: time}));
      if (sender === 'resident') disableSuggestions();
      place(r, f.seq);
      if (isOpen) st.read = st.lastSeq;
      else if (sender !== 'resident' && f.seq > st.read) { unread++; updateLauncher(); }
      if (stick) toBottom();
    }

    function suggestions(list) {
      const box = el('div', {cls: 'kc-sugg'});
      list.forEach((s) => {
        if (!s || typeof s.id !== 'string') return;
        const b = el('button', {type: 'button', 'data-testid': 'suggestion', 'data-entry': s.id, text: s.question || s.id});
        b.addEventListener('click', () => {
          box.querySelectorAll('button').forEach((x) => (x.disabled = true));
          queue({client_id: newId(), text: String(s.question || ''), entry: s.id});
        });
        box.append(b);
      });
      return box;
    }
    function disableSuggestions() {
      log.querySelectorAll('.kc-sugg button').forEach((b) => (b.disabled = true));
    }

    function pendingRow(p) {
      const r = row('resident', Infinity);
      r.classList.add('kc-pending');
      r.dataset.clientId = p.client_id;
      r.append(
        el('div', {cls: 'kc-bubble', 'data-testid': 'message', 'data-sender': 'resident', 'data-pending': 'true', text: p.text}),
        el('div', {cls: 'kc-meta', text: t().sending}),
      );
      log.append(r);
    }
    const pendingEl = (id) => Array.from(log.querySelectorAll('.kc-pending')).find((r) => r.dataset.clientId === id);

    // The echo of our own message arrived: it is stored, so forget the pending copy.
    function settle(id) {
      const r = pendingEl(id);
      if (r) r.remove();
      inflight = inflight.filter((x) => x !== id);
      const before = st.pending.length;
      st.pending = st.pending.filter((p) => p.client_id !== id);
      if (st.pending.length !== before) save();
    }
    // The server refused the message for good: keep it on screen, marked, but stop resending.
    function fail(id) {
      const r = pendingEl(id);
      if (r) {
        r.classList.add('kc-failed');
        r.querySelector('.kc-meta').textContent = t().notSent;
        r.classList.remove('kc-pending');
        r.kcSeq = Infinity;
      }
      st.pending = st.pending.filter((p) => p.client_id !== id);
      save();
    }

    function queue(p) {
      if (st.state === 'closed') { showError('conversation_closed'); return false; }
      showError('');
      disableSuggestions();
      st.pending.push(p);
      save();
      pendingRow(p);
      toBottom();
      if (live) transmit(p);
      return true;
    }
    function transmit(p) {
      inflight.push(p.client_id);
      frame(p.entry ? {type: 'choose', entry: p.entry, client_id: p.client_id}
        : {type: 'message', client_id: p.client_id, text: p.text});
    }
    function resend() {
      st.pending.forEach((p) => { if (!inflight.includes(p.client_id)) transmit(p); });
    }
    function frame(obj) {
      if (ws && ws.readyState === 1) ws.send(JSON.stringify(obj));
    }

    function submit() {
      const text = input.value.trim();
      if (!text || Array.from(text).length > maxChars) return;
      if (queue({client_id: newId(), text})) {
        input.value = '';
        updateCount();
      }
    }

    // Forget the conversation (ended, or the server started a new one) but keep what is unsent.
    function clearLog() {
      Array.from(log.children).forEach((c) => { if (c !== greetRow && !c.classList.contains('kc-pending')) c.remove(); });
      seen = new Set();
      st.lastSeq = 0;
      st.read = 0;
      unread = 0;
      updateLauncher();
    }

    // ---- Socket ---------------------------------------------------------------------------
    function connect() {
      clearTimeout(retryTimer);
      retryTimer = 0;
      if (fatal || ws) return;
      const q = new URLSearchParams({lang});
      if (st.token) {
        q.set('token', st.token);
        // A fresh page has an empty log, so it asks for everything; a reconnect only for the gap.
        q.set('after', String(welcomed ? st.lastSeq : 0));
      }
      if (!status.textContent) setStatus(welcomed ? 'reconnecting' : 'connecting');
      let s;
      try {
        s = new WebSocket(ctx.wsUrl + '/ws/chat/' + encodeURIComponent(ctx.slug) + '/?' + q);
      } catch (e) {
        fatal = true;
        showError('other');
        setStatus('');
        return;
      }
      ws = s;
      live = false;
      inflight = [];
      s.onmessage = (e) => {
        if (ws !== s) return;
        let f;
        try { f = JSON.parse(e.data); } catch (err) { return; }
        if (f && typeof f === 'object') handle(f);
      };
      s.onclose = (e) => {
        if (ws !== s) return;
        if (e.code === 4403 || e.code === 4404) fatal = true;
        drop();
      };
    }

    function drop() {
      const s = ws;
      ws = null;
      live = false;
      awaitingPong = false;
      clearInterval(beatTimer);
      clearTimeout(resendTimer);
      if (s) { s.onclose = s.onmessage = null; try { s.close(); } catch (e) { /* already closed */ } }
      if (fatal) { setStatus(''); return; }
      setStatus('reconnecting');
      const max = Math.min(15000, 500 * 2 ** attempt++);
      retryTimer = setTimeout(connect, max / 2 + Math.random() * max / 2);
    }

    function reconnectNow() {
      if (fatal) return;
      if (ws) { const s = ws; ws = null; s.onclose = s.onmessage = null; s.close(); }
      clearInterval(beatTimer);
      clearTimeout(resendTimer);
      live = false;
      attempt = 0;
      connect();
    }

    function handle(f) {
      awaitingPong = false;
      if (f.type === 'welcome') onWelcome(f);
      else if (f.type === 'message') addMessage(f);
      else if (f.type === 'pong') { const i = inflight.indexOf(null); if (i >= 0) inflight.splice(i, 1); }
      else if (f.type === 'error') onError(String(f.code || ''));
      if (f.type === 'message' || f.type === 'welcome') save();
    }

    function onWelcome(f) {
      const m = f.municipality || {};
      langs = Array.isArray(m.languages) ? m.languages.filter((l) => STR[l]) : null;
      if (langs && langs.length && !langs.includes(lang)) lang = STR[f.language] ? f.language : langs[0];
      ctx.lang = lang;
      name = String(m.name || '');
      maxChars = (f.limits && +f.limits.max_chars) || maxChars;
      if (m.theme_color) st.theme = applyTheme(m.theme_color);
      greeting = String(m.greeting || '');
      greetBubble.textContent = greeting;
      greetRow.hidden = !greeting;
      if (f.conversation !== st.token) {
        if (st.token || seen.size) clearLog();
        st.token = String(f.conversation || '');
      }
      st.state = f.state || null;
      if (!welcomed) st.lastSeq = 0;  // this page's log is rebuilt from the full history
      live = true;
      welcomed = true;
      attempt = 0;
      setStatus('');
      if (lastError === 'conversation_closed' && st.state !== 'closed') showError('');
      (Array.isArray(f.messages) ? f.messages : []).forEach(addMessage);
      if (st.state === 'closed') {
        st.pending.slice().forEach((p) => fail(p.client_id));
        showError('conversation_closed');
      }
      newBtn.hidden = st.state !== 'closed';
      resend();
      clearInterval(beatTimer);
      beatTimer = setInterval(() => {
        // No answer since the last ping: the connection is dead even if nobody closed it.
        if (awaitingPong) { drop(); return; }
        awaitingPong = true;
        inflight.push(null);
        frame({type: 'ping'});
      }, 25000);
      render();
    }

    function onError(code) {
      if (FATAL.includes(code)) { fatal = true; input.disabled = true; updateCount(); }
      if (FRAME_ERRORS.includes(code)) {
        const id = inflight.shift();
        if (id && code === 'rate_limited') {
          clearTimeout(resendTimer);
          resendTimer = setTimeout(() => { inflight = inflight.filter((x) => x === null); resend(); }, 10000);
        } else if (id) fail(id);
      }
      if (code === 'conversation_closed') {
        st.state = 'closed';
        st.pending.slice().forEach((p) => fail(p.client_id));
        newBtn.hidden = false;
      }
      if (code === 'conversation_not_found') st.token = null;
      showError(code);
      save();
    }

    function startOver() {
      st = {token: null, lastSeq: 0, pending: [], read: 0, state: null, theme: st.theme};
      log.querySelectorAll('.kc-failed, .kc-pending').forEach((r) => r.remove());
      clearLog();
      save();
      newBtn.hidden = true;
      showError('');
      welcomed = false;
      reconnectNow();
      input.focus();
    }

    // ---- Open, close, language ------------------------------------------------------------
    function open() {
      if (isOpen) return;
      isOpen = true;
      panel.hidden = false;
      unread = 0;
      st.read = st.lastSeq;
      save();
      updateLauncher();
      updateCount();
      toBottom();
      input.focus({preventScroll: true});
      if (!ws && !retryTimer) connect();
    }
    function close(refocus) {
      if (!isOpen) return;
      const inside = panel.contains(root.activeElement);
      isOpen = false;
      panel.hidden = true;
      updateLauncher();
      if (refocus || inside) launcher.focus();
    }
    function setLanguage(l) {
      if (!STR[l] || l === lang || (langs && !langs.includes(l))) return;
      lang = ctx.lang = l;
      render();
      // Same conversation in the new language; the welcome brings the greeting in it.
      if (ws || retryTimer) reconnectNow();
    }

    closeBtn.addEventListener('click', () => close(true));
    newBtn.addEventListener('click', startOver);
    root.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && isOpen) { e.stopPropagation(); close(true); }
    });
    form.addEventListener('submit', (e) => { e.preventDefault(); submit(); });
    input.addEventListener('input', updateCount);
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); submit(); }
    });
    window.addEventListener('online', () => { if (retryTimer) { attempt = 0; connect(); } });

    render();
    st.pending.forEach(pendingRow);
    if (st.token && st.state !== 'closed') connect();
    return {open, close: () => close(false), toggle: () => (isOpen ? close(true) : open()), setLanguage};
  }

  window.__kuntachatApp = mount;
})();
