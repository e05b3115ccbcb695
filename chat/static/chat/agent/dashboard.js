/* Kuntachat agent dashboard: queue, offers, chats, contact requests over the agent socket.
   Protocol: docs/protocol.md ("Agent socket: /ws/agent/").
   The page gives two JSON blocks (json_script): #kc-strings, every UI string in the agent's
   language (chat/dashboard.py), and #kc-config. Nothing from a resident or an agent is ever
   inserted as HTML: text goes in through textContent, and only the server-sanitised `html`
   of bot, system and agent messages (and FAQ answers) is parsed, through safeHtml. */
(function () {
  'use strict';

  const readJson = (id) => {
    const n = document.getElementById(id);
    try { return JSON.parse(n.textContent) || {}; } catch (e) { return {}; }
  };
  const S = readJson('kc-strings');
  const CFG = readJson('kc-config');
  const LOCALE = {fi: 'fi-FI', sv: 'sv-FI', en: 'en-GB'}[CFG.lang] || 'fi-FI';
  const MAX_CHARS = +CFG.maxChars || 2000;
  const TYPING_EVERY_MS = 2000;      // the agent's own typing frames: at most one per 2 s
  const RESIDENT_TYPING_MS = 6000;   // how long "typing…" shows after the resident's last frame
  const SAFE_TAGS = /^(A|P|BR|STRONG|B|EM|I|UL|OL|LI|CODE|PRE|BLOCKQUOTE|H[3-6]|HR)$/;
  const SAFE_HREF = /^(https?:|mailto:|tel:)/i;
  const BASE_TITLE = document.title;
  const PERCENT = new Intl.NumberFormat(LOCALE, {style: 'percent', maximumFractionDigits: 0});

  // "%(name)s" placeholders, as in the Python side's gettext strings.
  const fmt = (s, vars) => String(s || '').replace(/%\((\w+)\)s/g, (m, k) => (vars && k in vars ? String(vars[k]) : m));
  const plural = (pair, n, vars) => fmt(Array.isArray(pair) ? pair[n === 1 ? 0 : 1] : pair, Object.assign({n}, vars));
  const str = (v) => (v === null || v === undefined ? '' : String(v));

  const el = (tag, props, kids) => {
    const e = document.createElement(tag);
    for (const k in props || {}) {
      const v = props[k];
      if (v === null || v === undefined || v === false) continue;
      if (k === 'text') e.textContent = v;
      else if (k === 'cls') e.className = v;
      else e.setAttribute(k, v === true ? '' : v);
    }
    (kids || []).forEach((c) => c !== null && c !== undefined && c !== false && e.append(c));
    return e;
  };
  const $ = (id) => document.getElementById(id);

  function newId() {
    const c = window.crypto;
    if (c && c.randomUUID) return c.randomUUID();
    const b = new Uint8Array(16);
    if (c && c.getRandomValues) c.getRandomValues(b);
    else for (let i = 0; i < 16; i++) b[i] = Math.random() * 256;
    return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  }

  // Defence in depth: the server already sanitises `html`; keep only its tags and safe links.
  function safeHtml(html) {
    const t = document.createElement('template');  // inert: nothing loads or runs
    t.innerHTML = html;
    Array.from(t.content.querySelectorAll('*')).reverse().forEach((n) => {
      if (!SAFE_TAGS.test(n.tagName)) {
        if (/^(SCRIPT|STYLE|TEMPLATE|IFRAME|OBJECT|EMBED|SVG|MATH|NOSCRIPT)$/i.test(n.tagName)) n.remove();
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

  const langName = (code) => (S.languages && S.languages[code]) || str(code);
  const munName = (m) => (m && typeof m === 'object' ? str(m.name || m.slug) : str(m));
  const munSlug = (m) => (m && typeof m === 'object' ? str(m.slug) : str(m));
  const stateName = (s) => (S.states && S.states[s]) || str(s);
  const percent = (c) => (typeof c === 'number' && isFinite(c) ? PERCENT.format(Math.max(0, Math.min(1, c))) : '');
  function timeOf(iso) {
    const d = new Date(iso);
    return isNaN(d) ? '' : d.toLocaleTimeString(LOCALE, {hour: '2-digit', minute: '2-digit'});
  }
  function dateTimeOf(iso) {
    const d = new Date(iso);
    return isNaN(d) ? '' : d.toLocaleString(LOCALE, {dateStyle: 'short', timeStyle: 'short'});
  }
  function duration(seconds) {
    const s = Math.max(0, Math.floor(seconds));
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    const pad = (x) => String(x).padStart(2, '0');
    return h ? h + ':' + pad(m) + ':' + pad(r) : m + ':' + pad(r);
  }

  // ---- Page state ---------------------------------------------------------------------------
  const root = $('kc-app');
  let me = null;                   // hello.agent
  let queue = [];                  // summaries, longest waiting first
  const waitBase = new Map();      // conversation id → performance.now() at which it started waiting
  const queueRows = new Map();     // conversation id → <li>
  let knownQueue = null;           // ids seen in the queue so far (null until the first hello)
  const offers = new Map();        // conversation id → summary offered to me (auto routing)
  const chats = new Map();         // conversation id → chat (see openChat)
  let activeChat = null;
  const accepting = new Set();     // ids I pressed Accept on; their `conversation` frame gets focus
  const agents = new Map();        // other agents I have heard of: id → display_name
  let contactRequests = [];
  const searches = new Map();      // faq_search query → chat id that asked
  let alertCount = 0;

  // ---- Static parts of the page (rendered by the template) ----------------------------------
  const connEl = $('kc-conn');
  const presenceEl = $('kc-presence');
  const capacityEl = $('kc-capacity');
  const notifyBtn = $('kc-notify');
  const notifyState = $('kc-notify-state');
  const soundBox = $('kc-sound');
  const errorEl = $('kc-error');
  const announcer = $('kc-announcer');
  const queueList = $('kc-queue');
  const queueCount = $('kc-queue-count');
  const queueEmpty = $('kc-queue-empty');
  const offersSection = $('kc-offers-section');
  const offersList = $('kc-offers');
  const contactsList = $('kc-contacts');
  const contactsEmpty = $('kc-contacts-empty');
  const tabs = $('kc-tabs');
  const panels = $('kc-panels');
  const noChats = $('kc-no-chats');

  // ---- Announcements, errors, title ---------------------------------------------------------
  let announceTimer = 0;
  function announce(text) {
    // Polite and never moving focus. Cleared first so that the same words are read again.
    clearTimeout(announceTimer);
    announcer.textContent = '';
    announceTimer = setTimeout(() => { announcer.textContent = text; }, 60);
  }
  function showError(code, detail) {
    if (!code) { errorEl.textContent = ''; errorEl.hidden = true; return; }
    const text = (S.errors && S.errors[code]) || S.errors.other;
    errorEl.hidden = false;
    errorEl.textContent = '';
    errorEl.append(el('span', {text}), el('button', {
      type: 'button', cls: 'kc-link-btn', text: S.dismiss, 'data-testid': 'dismiss-error',
    }));
    errorEl.dataset.code = code;
    if (detail) errorEl.title = detail;
    errorEl.querySelector('button').addEventListener('click', () => showError(''));
  }
  function waitingCount() {
    const ids = new Set(queue.filter(isWaiting).map((c) => c.id));
    offers.forEach((_, id) => ids.add(id));
    return ids.size;
  }
  function updateTitle() {
    const n = waitingCount();
    document.title = n ? '(' + n + ') ' + BASE_TITLE : BASE_TITLE;
  }

  // ---- Sound (WebAudio, generated here: no audio files) and desktop notifications ---------
  let audio = null;
  function unlockAudio() {
    // Browsers start an AudioContext only after a user gesture; any click or key does.
    const AC = window.AudioContext || window.webkitAudioContext;
    if (!AC) return;
    try {
      if (!audio) audio = new AC();
      if (audio.state === 'suspended') audio.resume().catch(() => {});
    } catch (e) { audio = null; }
  }
  document.addEventListener('pointerdown', unlockAudio, true);
  document.addEventListener('keydown', unlockAudio, true);
  function beep() {
    if (!soundBox.checked || !audio || audio.state !== 'running') return;
    const t0 = audio.currentTime;
    [[880, 0], [1175, 0.16]].forEach(([freq, at]) => {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.type = 'sine';
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, t0 + at);
      gain.gain.exponentialRampToValueAtTime(0.25, t0 + at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, t0 + at + 0.14);
      osc.connect(gain).connect(audio.destination);
      osc.start(t0 + at);
      osc.stop(t0 + at + 0.15);
    });
  }
  try { soundBox.checked = localStorage.getItem('kuntachat:agent:sound') !== 'off'; } catch (e) { /* blocked */ }
  soundBox.addEventListener('change', () => {
    try { localStorage.setItem('kuntachat:agent:sound', soundBox.checked ? 'on' : 'off'); } catch (e) { /* blocked */ }
    if (soundBox.checked) { unlockAudio(); beep(); }  // let the agent hear what it sounds like
  });

  const canNotify = 'Notification' in window;
  function renderNotify() {
    if (!canNotify) { notifyBtn.hidden = true; notifyState.textContent = S.notifyUnsupported; return; }
    const p = Notification.permission;
    notifyBtn.hidden = p !== 'default';
    notifyState.textContent = p === 'granted' ? S.notifyOn : p === 'denied' ? S.notifyBlocked : '';
  }
  notifyBtn.addEventListener('click', () => {
    // Asked only when the agent presses the button, never on load.
    if (!canNotify) return;
    const done = () => { renderNotify(); if (notifyBtn.hidden) notifyState.focus(); };
    try {
      const r = Notification.requestPermission(done);
      if (r && r.then) r.then(done, done);
    } catch (e) { done(); }
  });
  renderNotify();

  function notifyDesktop(summary, title) {
    if (!canNotify || Notification.permission !== 'granted') return;
    if (document.visibilityState === 'visible' && document.hasFocus()) return;
    try {
      const n = new Notification(title, {
        body: munName(summary.municipality) + ': ' + str(summary.first_message).slice(0, 140),
        tag: 'kuntachat-' + summary.id,
        lang: CFG.lang,
      });
      n.onclick = () => { window.focus(); n.close(); };
    } catch (e) { /* some browsers allow notifications only from a service worker */ }
  }

  // A new conversation waits: noticed without looking (sound, title, notification, announcement).
  function alertNew(summary, offered) {
    alertCount++;
    root.dataset.alerts = String(alertCount);
    beep();
    updateTitle();
    const text = fmt(offered ? S.newOffer : S.newChat, {municipality: munName(summary.municipality)});
    notifyDesktop(summary, text);
    announce(text);
  }

  function alertGiven(chat) {
    alertCount++;
    root.dataset.alerts = String(alertCount);
    beep();
    const text = fmt(S.givenToYou, {title: chatTitle(chat.summary)});
    notifyDesktop(chat.summary, text);
    announce(text);
    if (chat !== activeChat) { chat.unread++; renderTabs(); }
  }

  // ---- Dialogs (native <dialog>: modal, focus kept inside, Escape cancels) -----------------
  function dialog(opts) {
    const opener = opts.returnTo || document.activeElement;
    const title = el('h2', {id: 'kc-dialog-title', text: opts.title});
    const actions = el('div', {cls: 'kc-dialog-actions'});
    const form = el('form', {method: 'dialog'}, [title].concat(opts.body || [], [actions]));
    const d = el('dialog', {cls: 'kc-dialog', 'aria-labelledby': 'kc-dialog-title', 'data-testid': opts.testid || 'dialog'}, [form]);
    let settled = false;
    const finish = (value) => {
      if (settled) return;
      settled = true;
      if (d.open) d.close();
      d.remove();
      if (opener && opener.isConnected && typeof opener.focus === 'function') opener.focus();
      if (opts.onClose) opts.onClose(value);
    };
    opts.buttons.forEach((b) => {
      const btn = el('button', {type: 'button', cls: b.primary ? 'kc-btn kc-primary' : 'kc-btn', text: b.label, 'data-testid': b.testid});
      btn.addEventListener('click', () => {
        if (b.check && !b.check()) return;
        finish(b.value);
      });
      actions.append(btn);
    });
    d.addEventListener('cancel', (e) => { e.preventDefault(); finish(null); });
    document.body.append(d);
    d.showModal();
    const first = d.querySelector(opts.focus || 'input, select, button');
    if (first) first.focus();
    return d;
  }

  // ---- Socket -------------------------------------------------------------------------------
  let ws = null, live = false, attempt = 0, retryTimer = 0, fatal = false, helloSeen = false;
  let beatTimer = 0, awaitingPong = false;
  const BEAT_MS = 25000;  // a ping keeps proxies from closing an idle socket and finds dead ones

  function setConn(kind) {
    connEl.dataset.state = kind;
    connEl.textContent = '';
    const text = {connecting: S.connecting, online: S.connected, reconnecting: S.reconnecting,
      session: S.sessionEnded, forbidden: S.notAnAgent}[kind] || '';
    connEl.append(el('span', {text}));
    if (kind === 'session') {
      connEl.append(' ', el('a', {href: CFG.loginUrl + '?next=' + encodeURIComponent(location.pathname), text: S.logInAgain}));
    }
    root.dataset.connection = kind;
  }

  function frame(obj) {
    if (ws && live && ws.readyState === 1) { ws.send(JSON.stringify(obj)); return true; }
    return false;
  }

  function connect() {
    clearTimeout(retryTimer);
    retryTimer = 0;
    if (fatal || ws) return;
    setConn(helloSeen ? 'reconnecting' : 'connecting');
    const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + CFG.wsPath;
    let s;
    try { s = new WebSocket(url); } catch (e) { drop(); return; }
    ws = s;
    live = false;
    s.onopen = () => { if (ws === s) live = true; };
    s.onmessage = (e) => {
      if (ws !== s) return;
      let f;
      try { f = JSON.parse(e.data); } catch (err) { return; }
      awaitingPong = false;  // any frame shows the connection is alive
      if (f && typeof f === 'object' && typeof f.type === 'string') handle(f);
    };
    s.onclose = (e) => {
      if (ws !== s) return;
      if (e.code === 4401) { fatal = true; setConn('session'); }
      else if (e.code === 4403) { fatal = true; setConn('forbidden'); }
      drop();
    };
  }

  function drop() {
    const s = ws;
    ws = null;
    live = false;
    clearInterval(beatTimer);
    awaitingPong = false;
    if (s) { s.onclose = s.onmessage = s.onopen = null; try { s.close(); } catch (e) { /* closed */ } }
    chats.forEach(setComposerState);
    if (fatal) return;
    setConn(helloSeen ? 'reconnecting' : 'connecting');
    // Exponential backoff with full jitter in its upper half: 0.5–1 s, 1–2 s, … up to 15–30 s,
    // so that agents do not all come back at the same moment after a server restart.
    const max = Math.min(30000, 1000 * 2 ** attempt++);
    retryTimer = setTimeout(connect, max / 2 + Math.random() * max / 2);
  }

  window.addEventListener('online', () => { if (retryTimer) { attempt = 0; connect(); } });

  function handle(f) {
    switch (f.type) {
      case 'hello': onHello(f); break;
      case 'queue': setQueue(f.conversations); break;
      case 'conversation': onConversation(f); break;
      case 'message': onMessage(f.conversation, f); break;
      case 'state': onState(f); break;
      case 'typing': onTyping(f); break;
      case 'offer': onOffer(f.conversation); break;
      case 'offer_cancelled': dropOffer(f.conversation); break;
      case 'contact_requests': setContacts(f.requests); break;
      case 'faq_results': onFaqResults(f); break;
      case 'presence': setPresence(f.status); break;
      case 'agents': setAgents(f.agents); break;
      case 'pong': awaitingPong = false; break;
      case 'error': onError(f); break;
      default: break;  // newer server, older page: ignore what we do not know
    }
  }

  function onHello(f) {
    const first = !helloSeen;
    helloSeen = true;
    attempt = 0;
    clearInterval(beatTimer);
    awaitingPong = false;
    beatTimer = setInterval(() => {
      // No pong since the last ping: the connection is dead even though nobody closed it.
      if (awaitingPong) { drop(); return; }
      awaitingPong = frame({type: 'ping'});
    }, BEAT_MS);
    setConn('online');
    me = f.agent || {};
    root.dataset.agentId = str(me.id);
    setPresence(me.status);
    setAgents(f.agents);
    setQueue(f.queue, first);
    setContacts(f.contact_requests);
    // Resync: every chat this page shows is opened again from the last seq it has, and what
    // was not acknowledged is sent again (the server stores a client_id once).
    const mine = Array.isArray(f.mine) ? f.mine : [];
    mine.forEach((s) => { if (s && s.id !== undefined && !chats.has(s.id)) openChat(s, false); });
    chats.forEach((chat) => {
      const stillMine = mine.some((s) => s && s.id === chat.id);
      if (stillMine || chat.live) frame({type: 'open', conversation: chat.id, after: chat.lastSeq});
      if (stillMine) updateChatSummary(chat, mine.find((s) => s.id === chat.id));
      chat.pending.forEach((p) => { if (!p.failed) transmit(chat, p); });
      setComposerState(chat);
    });
    renderTabs();
    updateCapacity();
  }

  function onError(f) {
    const code = str(f.code);
    if (code === 'login_required') { fatal = true; setConn('session'); return; }
    if (code === 'not_an_agent') { fatal = true; setConn('forbidden'); return; }
    const conv = f.conversation;
    if (conv !== undefined && accepting.has(conv)) {
      accepting.delete(conv);
      const row = queueRows.get(conv);
      if (row) row.querySelector('button').disabled = false;
    }
    if (code === 'already_taken' || code === 'at_capacity') {
      // We do not know which Accept it answers when the server does not say: release them all.
      accepting.clear();
      queueRows.forEach((row) => { row.querySelector('button').disabled = false; });
      offersList.querySelectorAll('button').forEach((b) => { b.disabled = false; });
    }
    if (f.client_id) {
      chats.forEach((chat) => {
        const p = chat.pending.find((x) => x.client_id === f.client_id);
        if (p && code !== 'rate_limited') failPending(chat, p);
      });
    }
    showError(code, str(f.detail));
  }

  // ---- Presence -----------------------------------------------------------------------------
  let presence = 'offline';
  function setPresence(status) {
    if (!['online', 'away', 'offline'].includes(status)) return;
    presence = status;
    presenceEl.value = status;
    root.dataset.presence = status;
  }
  presenceEl.addEventListener('change', () => {
    const want = presenceEl.value;
    const open = liveChats().length;
    if (want === 'offline' && open) {
      const keep = el('p', {text: plural(S.offlineOpenChats, open)});
      dialog({
        title: S.offlineTitle, body: [keep], testid: 'offline-dialog', returnTo: presenceEl,
        buttons: [
          {label: S.keepChats, value: 'keep', testid: 'keep-chats', primary: true},
          {label: S.requeueChats, value: 'requeue', testid: 'requeue-chats'},
          {label: S.cancel, value: null, testid: 'cancel'},
        ],
        onClose: (choice) => {
          if (!choice) { presenceEl.value = presence; return; }
          sendPresence(want, choice);
        },
      });
      return;
    }
    sendPresence(want);
  });
  function sendPresence(status, openChats) {
    const f = {type: 'presence', status};
    if (openChats) f.open_chats = openChats;
    if (!frame(f)) { presenceEl.value = presence; showError('offline'); }
  }
  function updateCapacity() {
    if (!me) return;
    const n = liveChats().length;
    capacityEl.textContent = fmt(S.capacity, {n, capacity: me.capacity === undefined ? '–' : me.capacity});
  }

  // ---- Queue --------------------------------------------------------------------------------
  const isWaiting = (s) => s && (s.state === undefined || s.state === 'queued') && !s.assigned_to;

  function setQueue(list, silent) {
    // A frame computed just before this agent took a chat may still list it: skip it.
    const taken = (id) => chats.has(id) && chats.get(id).live;
    queue = (Array.isArray(list) ? list : []).filter((s) => s && s.id !== undefined && !taken(s.id));
    const now = performance.now();
    const ids = new Set();
    queue.forEach((s) => {
      ids.add(s.id);
      waitBase.set(s.id, now - (+s.waited_s || 0) * 1000);
      learnAgents(s.assigned_to ? [s.assigned_to] : []);
    });
    const fresh = knownQueue === null || silent ? [] : queue.filter((s) => isWaiting(s) && !knownQueue.has(s.id));
    knownQueue = knownQueue || new Set();
    queue.forEach((s) => knownQueue.add(s.id));
    // Forget what left the queue, so that a conversation transferred back is noticed again.
    Array.from(knownQueue).forEach((id) => { if (!ids.has(id)) knownQueue.delete(id); });
    waitBase.forEach((_, id) => { if (!ids.has(id) && !offers.has(id)) waitBase.delete(id); });
    // An offer ends when its conversation leaves the queue or is offered to someone else.
    offers.forEach((s, id) => {
      const q = queue.find((x) => x.id === id);
      const elsewhere = q && q.offered_to !== undefined && q.offered_to !== null && me && q.offered_to !== me.id;
      if (!q || !isWaiting(q) || elsewhere) dropOffer(id);
    });
    renderQueue();
    fresh.forEach((s) => alertNew(s, false));
    updateTitle();
  }

  function renderQueue() {
    const focused = document.activeElement;
    const keep = focused && queueList.contains(focused) ? focused.closest('li') : null;
    const wanted = queue.filter((s) => s.state === undefined || s.state === 'queued');
    const ids = new Set(wanted.map((s) => s.id));
    queueRows.forEach((row, id) => { if (!ids.has(id)) { row.remove(); queueRows.delete(id); } });
    wanted.forEach((s, i) => {
      let row = queueRows.get(s.id);
      if (!row) { row = queueRow(s); queueRows.set(s.id, row); }
      fillQueueRow(row, s);
      if (queueList.children[i] !== row) queueList.insertBefore(row, queueList.children[i] || null);
    });
    if (keep && !keep.isConnected) {
      // The row the agent was on is gone (taken by someone): keep focus near, not lost.
      const next = queueList.querySelector('button:not(:disabled)');
      (next || queueList.closest('section').querySelector('h2')).focus();
    }
    queueList.dataset.ready = '1';
    const n = wanted.filter(isWaiting).length;
    queueCount.textContent = plural(S.waitingCount, n);
    queueEmpty.hidden = wanted.length > 0;
    tickWaits();
  }

  function queueRow(s) {
    const head = el('h3', {cls: 'kc-q-head', id: 'kc-q-' + s.id});
    const row = el('li', {cls: 'kc-q-item', 'data-testid': 'queue-item', 'data-conversation': s.id, 'aria-labelledby': head.id}, [
      head,
      el('p', {cls: 'kc-q-wait'}),
      el('blockquote', {cls: 'kc-q-first', 'data-testid': 'first-message'}),
      el('div', {cls: 'kc-q-guesses'}),
      el('div', {cls: 'kc-q-actions'}),
    ]);
    if (queueRows.size || queueList.dataset.ready) {
      row.classList.add('kc-new');
    }
    const accept = el('button', {type: 'button', cls: 'kc-btn kc-primary', 'data-testid': 'accept', 'aria-describedby': head.id, text: S.accept});
    accept.addEventListener('click', () => acceptChat(s.id, accept));
    row.querySelector('.kc-q-actions').append(accept);
    return row;
  }

  function fillQueueRow(row, s) {
    const head = row.querySelector('.kc-q-head');
    head.textContent = '';
    head.append(
      el('span', {cls: 'kc-mun', text: munName(s.municipality)}),
      el('span', {cls: 'kc-lang', text: langName(s.language)}),
    );
    row.querySelector('.kc-q-wait').dataset.id = s.id;
    const first = row.querySelector('.kc-q-first');
    first.textContent = str(s.first_message) || S.noFirstMessage;
    first.classList.toggle('kc-muted', !s.first_message);
    row.querySelector('.kc-q-guesses').replaceChildren(guesses(s.bot_guesses));
    const accept = row.querySelector('[data-testid="accept"]');
    const taken = s.assigned_to && s.assigned_to.display_name;
    accept.hidden = !!taken || chats.has(s.id) && chats.get(s.id).live;
    if (!accepting.has(s.id)) accept.disabled = false;
    let takenEl = row.querySelector('.kc-q-taken');
    if (taken && !takenEl) row.querySelector('.kc-q-actions').append(takenEl = el('span', {cls: 'kc-q-taken'}));
    if (takenEl) takenEl.textContent = taken ? fmt(S.takenBy, {name: s.assigned_to.display_name}) : '';
  }

  function guesses(list) {
    const items = (Array.isArray(list) ? list : []).filter((g) => g && (g.question || g.id));
    if (!items.length) return el('p', {cls: 'kc-muted kc-small', text: S.noGuesses});
    const ul = el('ul', {cls: 'kc-guess-list'});
    items.slice(0, 3).forEach((g) => ul.append(el('li', {'data-testid': 'bot-guess'}, [
      el('span', {text: str(g.question || g.id)}),
      el('span', {cls: 'kc-conf', text: percent(g.confidence)}),
    ])));
    return el('div', {}, [el('p', {cls: 'kc-small kc-label', text: S.botGuesses}), ul]);
  }

  function tickWaits() {
    const now = performance.now();
    queueList.querySelectorAll('.kc-q-wait').forEach((w) => {
      const base = waitBase.get(isNaN(+w.dataset.id) ? w.dataset.id : +w.dataset.id);
      if (base !== undefined) w.textContent = fmt(S.waiting, {time: duration((now - base) / 1000)});
    });
    offersList.querySelectorAll('.kc-q-wait').forEach((w) => {
      const base = waitBase.get(isNaN(+w.dataset.id) ? w.dataset.id : +w.dataset.id);
      if (base !== undefined) w.textContent = fmt(S.waiting, {time: duration((now - base) / 1000)});
    });
  }
  setInterval(tickWaits, 1000);

  function acceptChat(id, button) {
    if (!frame({type: 'accept', conversation: id})) { showError('offline'); return; }
    showError('');
    accepting.add(id);
    if (button) button.disabled = true;
    // Released after a while in case the server answers something this page does not expect.
    setTimeout(() => {
      if (!accepting.delete(id)) return;
      if (button && button.isConnected) button.disabled = false;
    }, 10000);
  }

  // ---- Offers (auto routing) ----------------------------------------------------------------
  function onOffer(s) {
    if (!s || s.id === undefined || chats.has(s.id) && chats.get(s.id).live) return;
    const isNew = !offers.has(s.id);
    offers.set(s.id, s);
    if (!waitBase.has(s.id)) waitBase.set(s.id, performance.now() - (+s.waited_s || 0) * 1000);
    renderOffers();
    if (isNew) alertNew(s, true);
  }
  function dropOffer(id) {
    if (offers.delete(id)) { renderOffers(); updateTitle(); }
  }
  function renderOffers() {
    const focusedId = document.activeElement && offersList.contains(document.activeElement)
      ? document.activeElement.dataset.testid : null;
    offersList.textContent = '';
    offers.forEach((s, id) => {
      const head = el('h3', {cls: 'kc-q-head', id: 'kc-offer-' + id}, [
        el('span', {cls: 'kc-mun', text: munName(s.municipality)}),
        el('span', {cls: 'kc-lang', text: langName(s.language)}),
      ]);
      const accept = el('button', {type: 'button', cls: 'kc-btn kc-primary', 'data-testid': 'accept-offer', 'aria-describedby': head.id, text: S.accept});
      const decline = el('button', {type: 'button', cls: 'kc-btn', 'data-testid': 'decline-offer', 'aria-describedby': head.id, text: S.decline});
      accept.addEventListener('click', () => acceptChat(id, accept));
      decline.addEventListener('click', () => {
        if (!frame({type: 'decline', conversation: id})) { showError('offline'); return; }
        dropOffer(id);
        updateTitle();
        const next = offersList.querySelector('button') || queueList.querySelector('button') || presenceEl;
        next.focus();
      });
      offersList.append(el('li', {cls: 'kc-q-item kc-offer', 'data-testid': 'offer', 'data-conversation': id, 'aria-labelledby': head.id}, [
        head,
        el('p', {cls: 'kc-q-wait', 'data-id': id}),
        el('blockquote', {cls: 'kc-q-first', text: str(s.first_message) || S.noFirstMessage}),
        el('div', {cls: 'kc-q-guesses'}, [guesses(s.bot_guesses)]),
        el('div', {cls: 'kc-q-actions'}, [accept, decline]),
      ]));
    });
    offersSection.hidden = offers.size === 0;
    if (focusedId) {
      const again = offersList.querySelector('[data-testid="' + focusedId + '"]');
      if (again) again.focus();
    }
    tickWaits();
    updateTitle();
  }

  // ---- Agents known to this page (for transfers) --------------------------------------------
  // Colleagues who share a municipality, with their live status: the whole list comes in
  // `hello` and again in `agents` whenever it changes; `assigned_to` in frames adds names.
  function setAgents(list) {
    if (!Array.isArray(list)) return;
    agents.clear();
    learnAgents(list);
  }
  function learnAgents(list) {
    (Array.isArray(list) ? list : []).forEach((a) => {
      if (!a || a.id === undefined || (me && a.id === me.id)) return;
      const known = agents.get(a.id) || {};
      agents.set(a.id, {
        display_name: str(a.display_name || known.display_name || a.id),
        status: a.status || known.status,
        municipalities: Array.isArray(a.municipalities) ? a.municipalities.map(munSlug) : known.municipalities,
      });
    });
  }

  // ---- Chats --------------------------------------------------------------------------------
  const liveChats = () => Array.from(chats.values()).filter((c) => c.live);
  const isMine = (s) => !!(s && s.assigned_to && me && s.assigned_to.id === me.id);

  function chatTitle(s) {
    return fmt(S.chatTitle, {municipality: munName(s.municipality), id: s.id});
  }

  function openChat(summary, focus) {
    let chat = chats.get(summary.id);
    if (chat) {
      updateChatSummary(chat, summary);
      if (focus) activate(chat, true);
      return chat;
    }
    const id = summary.id;
    const tab = el('button', {
      type: 'button', role: 'tab', id: 'kc-tab-' + id, 'aria-controls': 'kc-panel-' + id,
      'aria-selected': 'false', tabindex: '-1', cls: 'kc-tab', 'data-testid': 'chat-tab', 'data-conversation': id,
    });
    const heading = el('h3', {cls: 'kc-chat-title', id: 'kc-chat-h-' + id});
    const meta = el('p', {cls: 'kc-chat-meta', 'data-testid': 'chat-meta'});
    const transferBtn = el('button', {type: 'button', cls: 'kc-btn', 'data-testid': 'transfer', text: S.transfer});
    const closeBtn = el('button', {type: 'button', cls: 'kc-btn kc-danger', 'data-testid': 'close-chat', text: S.closeChat});
    const dismissBtn = el('button', {type: 'button', cls: 'kc-btn', 'data-testid': 'dismiss-chat', text: S.removeFromView, hidden: true});
    const log = el('div', {
      cls: 'kc-log', role: 'log', 'aria-live': 'polite', 'aria-labelledby': heading.id, tabindex: '0',
      'data-testid': 'transcript',
    });
    const typing = el('p', {cls: 'kc-typing', 'data-testid': 'resident-typing'});
    const banner = el('p', {cls: 'kc-banner', 'data-testid': 'chat-banner', hidden: true});

    // FAQ search: canned answers to put into the reply.
    const searchId = 'kc-faq-q-' + id;
    const searchInput = el('input', {type: 'search', id: searchId, cls: 'kc-input', 'data-testid': 'faq-query', autocomplete: 'off'});
    const searchForm = el('form', {role: 'search', cls: 'kc-faq-form', 'aria-label': S.faqSearch}, [
      el('label', {for: searchId, text: S.faqSearch}),
      el('div', {cls: 'kc-row'}, [searchInput, el('button', {type: 'submit', cls: 'kc-btn', 'data-testid': 'faq-search', text: S.search})]),
    ]);
    const results = el('div', {cls: 'kc-faq-results', 'data-testid': 'faq-results', 'aria-live': 'polite'});
    const faqBox = el('aside', {cls: 'kc-faq', 'aria-labelledby': 'kc-faq-h-' + id}, [
      el('h4', {id: 'kc-faq-h-' + id, text: S.faqTitle}), searchForm, results,
    ]);

    const inputId = 'kc-input-' + id;
    const noteId = 'kc-note-' + id;
    const countId = 'kc-count-' + id;
    const hintId = 'kc-hint-' + id;
    const input = el('textarea', {
      id: inputId, rows: '3', cls: 'kc-input', 'data-testid': 'composer', 'aria-describedby': hintId + ' ' + countId,
    });
    const inputLabel = el('label', {for: inputId, text: S.reply});
    const noteBox = el('input', {type: 'checkbox', id: noteId, 'data-testid': 'note-mode'});
    const count = el('span', {id: countId, cls: 'kc-count'});
    const sendBtn = el('button', {type: 'submit', cls: 'kc-btn kc-primary', 'data-testid': 'send', text: S.send});
    const form = el('form', {cls: 'kc-composer', novalidate: true}, [
      el('div', {cls: 'kc-composer-head'}, [
        inputLabel,
        el('span', {cls: 'kc-check'}, [noteBox, el('label', {for: noteId, text: S.noteMode})]),
      ]),
      input,
      el('div', {cls: 'kc-composer-bar'}, [
        el('span', {id: hintId, cls: 'kc-small kc-muted', text: S.composerHint}),
        count,
        sendBtn,
      ]),
    ]);

    const panel = el('section', {
      role: 'tabpanel', id: 'kc-panel-' + id, cls: 'kc-chat', 'aria-labelledby': tab.id,
      'data-testid': 'chat', 'data-conversation': id, hidden: true,
    }, [
      el('div', {cls: 'kc-chat-head'}, [
        el('div', {}, [heading, meta]),
        el('div', {cls: 'kc-chat-actions'}, [transferBtn, closeBtn, dismissBtn]),
      ]),
      banner,
      el('div', {cls: 'kc-chat-body'}, [el('div', {cls: 'kc-chat-main'}, [log, typing, form]), faqBox]),
    ]);

    chat = {
      id, summary, tab, panel, heading, meta, log, typing, banner, input, inputLabel, noteBox, count, sendBtn, form,
      transferBtn, closeBtn, dismissBtn, searchInput, searchForm, results,
      seen: new Set(), lastSeq: 0, pending: [], unread: 0, live: true, lastTypingSent: 0, typingTimer: 0,
    };
    chats.set(id, chat);

    tab.addEventListener('click', () => activate(chat, false));
    tab.addEventListener('keydown', (e) => tabKeys(e, chat));
    form.addEventListener('submit', (e) => { e.preventDefault(); submit(chat); });
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); submit(chat); }
    });
    input.addEventListener('input', () => { updateCount(chat); sendTyping(chat); });
    noteBox.addEventListener('change', () => { setNoteMode(chat); input.focus(); });
    searchForm.addEventListener('submit', (e) => { e.preventDefault(); searchFaq(chat); });
    transferBtn.addEventListener('click', () => transferDialog(chat));
    closeBtn.addEventListener('click', () => closeDialog(chat));
    dismissBtn.addEventListener('click', () => removeChat(chat));

    tabs.append(tab);
    panels.append(panel);
    updateChatSummary(chat, summary);
    setNoteMode(chat);
    updateCount(chat);
    if (focus || !activeChat) activate(chat, focus);
    renderTabs();
    return chat;
  }

  function updateChatSummary(chat, summary) {
    const hadFocus = chat.panel.contains(document.activeElement);
    if (summary) chat.summary = Object.assign({}, chat.summary, summary);
    const s = chat.summary;
    chat.heading.textContent = chatTitle(s);
    const bits = [langName(s.language), stateName(s.state)];
    if (s.assigned_to && s.assigned_to.display_name && !isMine(s)) bits.push(fmt(S.assignedTo, {name: s.assigned_to.display_name}));
    chat.meta.textContent = bits.filter(Boolean).join(' · ');
    const wasLive = chat.live;
    // Writable only while it is assigned to this agent; afterwards the panel stays to be read.
    chat.live = s.state === 'assigned' && (!s.assigned_to || !me || s.assigned_to.id === me.id);
    let banner = '';
    if (!chat.live) {
      if (s.state === 'closed') banner = S.bannerClosed;
      else if (s.state === 'abandoned') banner = S.bannerAbandoned;
      else if (s.state === 'queued') banner = S.bannerRequeued;
      else if (s.assigned_to) banner = fmt(S.bannerTransferred, {name: s.assigned_to.display_name || ''});
    }
    chat.banner.textContent = banner;
    chat.banner.hidden = !banner;
    chat.transferBtn.hidden = chat.closeBtn.hidden = !chat.live;
    chat.dismissBtn.hidden = chat.live;
    chat.panel.dataset.state = s.state || '';
    if (wasLive && !chat.live) chat.pending.slice().forEach((p) => failPending(chat, p));
    setComposerState(chat);
    renderTabs();
    updateCapacity();
    // The control that had focus (Close, Transfer, the composer) may just have been hidden
    // or disabled: keep keyboard users in the panel rather than back at the top of the page.
    if (hadFocus && !chat.panel.contains(document.activeElement) && !chat.panel.hidden) {
      (chat.live ? chat.input : chat.dismissBtn).focus();
    }
  }

  function setComposerState(chat) {
    const off = !chat.live;
    const wasFocused = document.activeElement === chat.input;
    chat.input.disabled = off;
    chat.noteBox.disabled = off;
    chat.searchInput.disabled = off;
    chat.searchForm.querySelector('button').disabled = off;
    updateCount(chat);
    if (off && wasFocused && !chat.dismissBtn.hidden) chat.dismissBtn.focus();
  }

  function setNoteMode(chat) {
    const note = chat.noteBox.checked;
    chat.form.classList.toggle('kc-note-mode', note);
    chat.inputLabel.textContent = note ? S.noteLabel : S.reply;
    chat.input.placeholder = note ? S.notePlaceholder : S.replyPlaceholder;
    chat.sendBtn.textContent = note ? S.addNote : S.send;
  }

  function updateCount(chat) {
    const n = Array.from(chat.input.value).length;
    const over = n > MAX_CHARS;
    chat.count.textContent = fmt(S.charCount, {n, max: MAX_CHARS});
    chat.count.classList.toggle('kc-over', over);
    chat.input.setAttribute('aria-invalid', String(over));
    chat.sendBtn.disabled = !chat.live || over || !chat.input.value.trim();
  }

  function renderTabs() {
    const list = Array.from(chats.values());
    noChats.hidden = list.length > 0;
    tabs.hidden = list.length === 0;
    list.forEach((chat) => {
      const s = chat.summary;
      chat.tab.textContent = '';
      chat.tab.append(el('span', {cls: 'kc-tab-name', text: chatTitle(s)}));
      if (!chat.live) chat.tab.append(el('span', {cls: 'kc-tab-state', text: stateName(s.state)}));
      if (chat.unread) {
        chat.tab.append(el('span', {cls: 'kc-tab-unread', 'data-testid': 'unread', text: plural(S.unread, chat.unread)}));
      }
    });
  }

  function activate(chat, focusComposer) {
    activeChat = chat;
    chats.forEach((c) => {
      const on = c === chat;
      c.tab.setAttribute('aria-selected', String(on));
      c.tab.tabIndex = on ? 0 : -1;
      c.panel.hidden = !on;
    });
    chat.unread = 0;
    renderTabs();
    chat.log.scrollTop = chat.log.scrollHeight;
    if (focusComposer) (chat.live ? chat.input : chat.tab).focus();
  }

  function tabKeys(e, chat) {
    const list = Array.from(chats.values());
    const i = list.indexOf(chat);
    let next = null;
    if (e.key === 'ArrowRight' || e.key === 'ArrowDown') next = list[(i + 1) % list.length];
    else if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') next = list[(i - 1 + list.length) % list.length];
    else if (e.key === 'Home') next = list[0];
    else if (e.key === 'End') next = list[list.length - 1];
    if (!next) return;
    e.preventDefault();
    activate(next, false);
    next.tab.focus();
  }

  function removeChat(chat) {
    const list = Array.from(chats.values());
    const i = list.indexOf(chat);
    chats.delete(chat.id);
    chat.tab.remove();
    chat.panel.remove();
    clearTimeout(chat.typingTimer);
    const next = list[i + 1] || list[i - 1];
    if (activeChat === chat) activeChat = null;
    if (next && next !== chat) activate(next, false);
    renderTabs();
    updateCapacity();
    (next && next !== chat ? next.tab : queueList.closest('section').querySelector('h2')).focus();
  }

  // ---- Transcript ---------------------------------------------------------------------------
  function onConversation(f) {
    const s = f.conversation;
    if (!s || s.id === undefined) return;
    const requested = accepting.delete(s.id);
    const given = !requested && !chats.has(s.id) && helloSeen && isMine(s);
    dropOffer(s.id);
    const chat = openChat(s, requested);
    if (given) alertGiven(chat);  // a colleague transferred it to this agent
    (Array.isArray(f.messages) ? f.messages : []).forEach((m) => addMessage(chat, m, true));
    if (requested) announce(fmt(S.accepted, {title: chatTitle(chat.summary)}));
    leftQueue(s.id, s.state);
  }

  // The server's `queue` frames come coalesced, a moment after a change; a conversation we
  // know has left the queue leaves the list now, not a moment later (or after a reconnect).
  function leftQueue(id, state) {
    if (state === 'queued' || !queue.some((q) => q.id === id)) return;
    queue = queue.filter((q) => q.id !== id);
    renderQueue();
    updateTitle();
  }

  function onMessage(conversationId, m) {
    const chat = chats.get(conversationId);
    if (chat) addMessage(chat, m, false);
  }

  const nearBottom = (log) => log.scrollHeight - log.scrollTop - log.clientHeight < 80;

  function place(log, row, seq) {
    let slot = null;
    for (const c of log.children) {
      if (c.classList.contains('kc-pending') || c.kcSeq > seq) { slot = c; break; }
    }
    log.insertBefore(row, slot);
  }

  function senderLabel(m, sender, internal) {
    const name = m.agent && m.agent.display_name ? str(m.agent.display_name) : '';
    if (sender === 'agent' || internal) return name || S.senders.agent;
    return S.senders[sender] || S.senders.system;
  }

  function addMessage(chat, m, history) {
    if (!m || typeof m.seq !== 'number') return;
    if (m.client_id) settle(chat, m.client_id);
    if (chat.seen.has(m.seq)) return;
    chat.seen.add(m.seq);
    chat.lastSeq = Math.max(chat.lastSeq, m.seq);
    const sender = ['resident', 'bot', 'agent', 'system'].includes(m.sender) ? m.sender : 'system';
    const internal = !!m.internal;
    const stick = nearBottom(chat.log) || (sender === 'agent' && !!m.client_id);
    const r = el('div', {cls: 'kc-msg kc-' + sender + (internal ? ' kc-internal' : '')});
    r.kcSeq = m.seq;
    const who = el('p', {cls: 'kc-who'}, [el('span', {cls: 'kc-who-name', text: senderLabel(m, sender, internal)})]);
    const time = timeOf(m.created);
    if (time) who.append(el('time', {datetime: str(m.created), text: time}));
    const bubble = el('div', {
      cls: 'kc-bubble', 'data-testid': internal ? 'note' : 'message', 'data-seq': m.seq, 'data-sender': sender,
    });
    if (internal) r.append(el('p', {cls: 'kc-note-tag', text: S.internalNoteTag}));
    // Only bot, system and agent messages carry server-sanitised HTML; a resident's text is text.
    if (sender !== 'resident' && typeof m.html === 'string' && m.html) bubble.append(safeHtml(m.html));
    else bubble.textContent = str(m.text);
    r.prepend(who);
    r.append(bubble);
    const cands = Array.isArray(m.candidates) ? m.candidates.filter((c) => c && (c.id || c.question)) : [];
    if (cands.length) r.append(candidates(cands));
    if (Array.isArray(m.suggestions) && m.suggestions.length) {
      r.append(el('p', {cls: 'kc-small kc-muted', text: fmt(S.offeredChoices, {
        list: m.suggestions.map((x) => str(x && (x.question || x.id))).join(' · '),
      })}));
    }
    place(chat.log, r, m.seq);
    if (sender === 'resident') {
      hideTyping(chat);
      const away = chat !== activeChat || document.visibilityState !== 'visible';
      if (!history && away) {
        chat.unread++;
        renderTabs();
        // Hidden panels are not read out; say it once, politely, without moving focus.
        if (chat !== activeChat) announce(fmt(S.newMessageIn, {title: chatTitle(chat.summary)}));
      }
    }
    if (stick || history) chat.log.scrollTop = chat.log.scrollHeight;
  }

  function candidates(list) {
    const ul = el('ul', {cls: 'kc-cands'});
    list.forEach((c) => ul.append(el('li', {'data-testid': 'candidate'}, [
      el('span', {text: str(c.question || c.id)}),
      c.question && c.id ? el('span', {cls: 'kc-muted', text: ' (' + str(c.id) + ')'}) : null,
      el('span', {cls: 'kc-conf', text: percent(c.confidence)}),
    ])));
    return el('div', {cls: 'kc-considered'}, [el('p', {cls: 'kc-small kc-label', text: S.considered}), ul]);
  }

  // ---- Sending: pending until the server echoes the client_id ---------------------------------
  function submit(chat) {
    const text = chat.input.value.trim();
    if (!chat.live || !text || Array.from(text).length > MAX_CHARS) return;
    const p = {client_id: newId(), text, kind: chat.noteBox.checked ? 'note' : 'message'};
    chat.pending.push(p);
    pendingRow(chat, p);
    transmit(chat, p);
    chat.input.value = '';
    chat.lastTypingSent = 0;
    updateCount(chat);
    chat.log.scrollTop = chat.log.scrollHeight;
  }
  function transmit(chat, p) {
    frame({type: p.kind, conversation: chat.id, client_id: p.client_id, text: p.text});
  }
  function pendingRow(chat, p) {
    const internal = p.kind === 'note';
    const r = el('div', {cls: 'kc-msg kc-agent kc-pending' + (internal ? ' kc-internal' : '')});
    r.kcSeq = Infinity;
    r.dataset.clientId = p.client_id;
    r.append(el('p', {cls: 'kc-who'}, [
      el('span', {cls: 'kc-who-name', text: (me && me.display_name) || S.senders.agent}),
      el('span', {cls: 'kc-pending-state', text: S.sending}),
    ]));
    if (internal) r.append(el('p', {cls: 'kc-note-tag', text: S.internalNoteTag}));
    r.append(el('div', {cls: 'kc-bubble', 'data-testid': internal ? 'note' : 'message', 'data-sender': 'agent', 'data-pending': 'true', text: p.text}));
    chat.log.append(r);
    p.row = r;
  }
  function settle(chat, clientId) {
    const p = chat.pending.find((x) => x.client_id === clientId);
    chat.pending = chat.pending.filter((x) => x.client_id !== clientId);
    if (p && p.row) p.row.remove();
  }
  function failPending(chat, p) {
    if (p.failed) return;
    p.failed = true;
    chat.pending = chat.pending.filter((x) => x !== p);
    if (!p.row) return;
    p.row.classList.remove('kc-pending');
    p.row.classList.add('kc-failed');
    const state = p.row.querySelector('.kc-pending-state');
    if (state) state.textContent = S.notSent;
    const b = p.row.querySelector('.kc-bubble');
    if (b) b.removeAttribute('data-pending');
  }

  function sendTyping(chat) {
    if (chat.noteBox.checked || !chat.live || !chat.input.value.trim()) return;
    const now = Date.now();
    if (now - chat.lastTypingSent < TYPING_EVERY_MS) return;
    if (frame({type: 'typing', conversation: chat.id})) chat.lastTypingSent = now;
  }

  function onTyping(f) {
    const chat = chats.get(f.conversation);
    if (!chat || (f.who && f.who !== 'resident')) return;
    chat.typing.textContent = S.residentTyping;
    chat.typing.classList.add('kc-on');
    clearTimeout(chat.typingTimer);
    chat.typingTimer = setTimeout(() => hideTyping(chat), RESIDENT_TYPING_MS);
  }
  function hideTyping(chat) {
    clearTimeout(chat.typingTimer);
    chat.typing.textContent = '';
    chat.typing.classList.remove('kc-on');
  }

  // ---- State of a conversation --------------------------------------------------------------
  function onState(f) {
    const id = f.conversation;
    if (f.state !== 'queued') dropOffer(id);
    leftQueue(id, f.state);
    learnAgents(f.assigned_to ? [f.assigned_to] : []);
    const chat = chats.get(id);
    if (!chat) return;
    const wasLive = chat.live;
    updateChatSummary(chat, {state: f.state, assigned_to: f.assigned_to || null});
    if (wasLive && !chat.live) announce(fmt(S.chatEnded, {title: chatTitle(chat.summary), state: chat.banner.textContent}));
  }

  // ---- Transfer and close -------------------------------------------------------------------
  function transferDialog(chat) {
    const s = chat.summary;
    const here = munSlug(s.municipality);
    const munSelect = el('select', {id: 'kc-transfer-mun', 'data-testid': 'transfer-municipality'});
    (CFG.municipalities || []).forEach((m) => {
      munSelect.append(el('option', {value: m.slug, text: m.slug === here ? fmt(S.backToQueue, {municipality: m.name}) : m.name}));
    });
    const other = (CFG.municipalities || []).find((m) => m.slug !== here);
    if (other) munSelect.value = other.slug;
    const agentSelect = el('select', {id: 'kc-transfer-agent', 'data-testid': 'transfer-agent'});
    agents.forEach((a, id) => {
      if (me && id === me.id) return;
      if (a.status && a.status !== 'online') return;
      if (Array.isArray(a.municipalities) && !a.municipalities.includes(here)) return;
      agentSelect.append(el('option', {value: String(id), text: a.display_name}));
    });
    const haveAgents = agentSelect.options.length > 0;
    const toMun = el('input', {type: 'radio', name: 'kc-transfer-kind', id: 'kc-transfer-kind-mun', value: 'municipality', checked: true, 'data-testid': 'transfer-to-municipality'});
    const toAgent = el('input', {type: 'radio', name: 'kc-transfer-kind', id: 'kc-transfer-kind-agent', value: 'agent', disabled: !haveAgents, 'data-testid': 'transfer-to-agent'});
    const munField = el('div', {cls: 'kc-field'}, [el('label', {for: munSelect.id, text: S.transferMunicipality}), munSelect]);
    const agentField = el('div', {cls: 'kc-field', hidden: true}, [el('label', {for: agentSelect.id, text: S.transferAgent}), agentSelect]);
    const sync = () => { munField.hidden = !toMun.checked; agentField.hidden = !toAgent.checked; };
    toMun.addEventListener('change', sync);
    toAgent.addEventListener('change', sync);
    const fieldset = el('fieldset', {}, [
      el('legend', {text: S.transferTo}),
      el('div', {cls: 'kc-check'}, [toMun, el('label', {for: toMun.id, text: S.transferToQueue})]),
      el('div', {cls: 'kc-check'}, [toAgent, el('label', {for: toAgent.id, text: S.transferToAgent})]),
      haveAgents ? null : el('p', {cls: 'kc-small kc-muted', text: S.noAgentsKnown}),
    ]);
    dialog({
      title: fmt(S.transferTitle, {title: chatTitle(s)}), testid: 'transfer-dialog',
      body: [fieldset, munField, agentField],
      buttons: [
        {label: S.transferConfirm, value: 'go', primary: true, testid: 'transfer-confirm'},
        {label: S.cancel, value: null, testid: 'cancel'},
      ],
      onClose: (v) => {
        if (v !== 'go') return;
        const f = {type: 'transfer', conversation: chat.id};
        if (toAgent.checked && agentSelect.value) f.agent = isNaN(+agentSelect.value) ? agentSelect.value : +agentSelect.value;
        else f.municipality = munSelect.value;
        if (!frame(f)) showError('offline');
      },
    });
  }

  function closeDialog(chat) {
    dialog({
      title: fmt(S.closeTitle, {title: chatTitle(chat.summary)}), testid: 'close-dialog',
      body: [el('p', {text: S.closeExplain})],
      buttons: [
        {label: S.closeConfirm, value: 'close', primary: true, testid: 'close-confirm'},
        {label: S.cancel, value: null, testid: 'cancel'},
      ],
      onClose: (v) => {
        if (v === 'close' && !frame({type: 'close', conversation: chat.id})) showError('offline');
      },
    });
  }

  // ---- FAQ search ---------------------------------------------------------------------------
  function searchFaq(chat) {
    const query = chat.searchInput.value.trim();
    if (!query) return;
    searches.set(query, chat.id);
    chat.results.textContent = S.searching;
    if (!frame({type: 'faq_search', query, municipality: munSlug(chat.summary.municipality), language: chat.summary.language})) {
      chat.results.textContent = '';
      showError('offline');
    }
  }
  function onFaqResults(f) {
    const query = str(f.query);
    const chat = chats.get(searches.get(query)) || activeChat;
    searches.delete(query);
    if (!chat) return;
    const list = Array.isArray(f.results) ? f.results : [];
    chat.results.textContent = '';
    chat.results.append(el('p', {cls: 'kc-small', text: plural(S.faqFound, list.length, {query})}));
    const ul = el('ul', {cls: 'kc-faq-list'});
    list.forEach((r, i) => {
      if (!r) return;
      const qId = 'kc-faq-r-' + chat.id + '-' + i;
      const answer = el('div', {cls: 'kc-faq-answer'});
      if (typeof r.html === 'string' && r.html) answer.append(safeHtml(r.html));
      else answer.textContent = str(r.answer);
      const insert = el('button', {type: 'button', cls: 'kc-btn', 'data-testid': 'faq-insert', 'aria-describedby': qId, text: S.insert});
      insert.addEventListener('click', () => insertText(chat, str(r.answer)));
      ul.append(el('li', {'data-testid': 'faq-result'}, [el('p', {cls: 'kc-faq-q', id: qId, text: str(r.question)}), answer, insert]));
    });
    chat.results.append(ul);
  }
  function insertText(chat, text) {
    const i = chat.input;
    const start = i.selectionStart, end = i.selectionEnd;
    const before = i.value.slice(0, start), after = i.value.slice(end);
    const sep = before && !/\s$/.test(before) ? ' ' : '';
    i.value = before + sep + text + after;
    const pos = (before + sep + text).length;
    i.focus();
    i.setSelectionRange(pos, pos);
    updateCount(chat);
  }

  // ---- Contact requests ---------------------------------------------------------------------
  function setContacts(list) {
    contactRequests = (Array.isArray(list) ? list : []).filter((r) => r && r.id !== undefined);
    const focusedId = document.activeElement && contactsList.contains(document.activeElement)
      ? document.activeElement.closest('li').dataset.request : null;
    contactsList.textContent = '';
    const open = contactRequests.filter((r) => !r.handled);
    const done = contactRequests.filter((r) => r.handled);
    open.concat(done).forEach((r) => contactsList.append(contactRow(r)));
    contactsEmpty.hidden = contactRequests.length > 0;
    $('kc-contacts-count').textContent = plural(S.openCount, open.length);
    if (focusedId !== null) {
      // Handled requests leave the list: keep focus on the same one, else on the next, else
      // on the heading, never lost to the top of the page.
      const li = contactsList.querySelector('li[data-request="' + CSS.escape(focusedId) + '"]');
      const next = li || contactsList.querySelector('li');
      const target = next ? next.querySelector('button') || next.querySelector('h3') : $('kc-contacts-h');
      target.focus();
    }
  }
  function contactRow(r) {
    const head = el('h3', {id: 'kc-cr-' + r.id, tabindex: '-1'}, [
      el('span', {cls: 'kc-mun', text: munName(r.municipality)}),
      el('span', {text: str(r.name)}),
    ]);
    const dl = el('dl', {cls: 'kc-cr-fields'});
    const field = (label, value, href) => {
      if (!value) return;
      dl.append(el('dt', {text: label}), el('dd', {}, [href ? el('a', {href, text: value}) : el('span', {text: value})]));
    };
    field(S.email, str(r.email), r.email ? 'mailto:' + encodeURIComponent(str(r.email)).replace(/%40/g, '@') : '');
    field(S.phone, str(r.phone), r.phone ? 'tel:' + str(r.phone).replace(/[^\d+]/g, '') : '');
    field(S.received, dateTimeOf(r.created));
    const li = el('li', {cls: 'kc-cr' + (r.handled ? ' kc-handled' : ''), 'data-testid': 'contact-request', 'data-request': r.id, 'aria-labelledby': head.id}, [
      head, dl, el('blockquote', {cls: 'kc-cr-message', text: str(r.message)}),
    ]);
    const actions = el('div', {cls: 'kc-q-actions'});
    if (r.conversation !== null && r.conversation !== undefined && CFG.transcriptUrl) {
      actions.append(el('a', {
        href: CFG.transcriptUrl.replace('/0/', '/' + encodeURIComponent(r.conversation) + '/'),
        target: '_blank', rel: 'noopener', 'data-testid': 'transcript-link',
        'aria-describedby': head.id, text: S.transcript,
      }, [el('span', {cls: 'kc-vh', text: ' ' + S.newTab})]));
    }
    if (r.handled) actions.append(el('span', {cls: 'kc-small kc-muted', text: S.handled}));
    else {
      const b = el('button', {type: 'button', cls: 'kc-btn', 'data-testid': 'mark-handled', 'aria-describedby': head.id, text: S.markHandled});
      b.addEventListener('click', () => {
        if (!frame({type: 'contact_handled', request: r.id})) { showError('offline'); return; }
        b.disabled = true;
      });
      actions.append(b);
    }
    li.append(actions);
    return li;
  }

  // ---- Start --------------------------------------------------------------------------------
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && activeChat) { activeChat.unread = 0; renderTabs(); }
  });
  setConn('connecting');
  renderTabs();
  connect();
})();
