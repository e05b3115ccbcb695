/* Kuntachat resident chat: the panel that widget.js loads on first open.
   Protocol: docs/protocol.md; design and reasons: docs/widget.md. Handshake: this file sets
   window.__kuntachatApp = mount; the loader calls mount(ctx) with {host, root, shell, launcher,
   badge, origin, wsUrl, slug, lang, storageKey} and gets back {open, close, toggle, setLanguage}.
   Focus rule (WCAG 3.2): only the resident's own actions move focus; frames from the server
   never do, so nothing that may hold focus is removed or disabled because of one. */
(function () {
  'use strict';

  const STR = {
    fi: {
      title: 'Asiointichat', close: 'Sulje chat', open: 'Avaa chat', langs: 'Kieli',
      privacy: 'Älä kirjoita chattiin henkilötunnustasi tai terveystietojasi.',
      privacyLink: 'Tietosuojaseloste', a11yLink: 'Saavutettavuusseloste', newTab: '(avautuu uuteen välilehteen)',
      log: 'Keskustelu', label: 'Kirjoita viesti', placeholder: 'Kirjoita viestisi…', send: 'Lähetä',
      count: (n, m) => n + ' / ' + m + ' merkkiä',
      sending: 'Lähetetään…', notSent: 'Ei lähetetty', connecting: 'Yhdistetään…',
      reconnecting: 'Yhteys katkesi. Yhdistetään uudelleen…',
      newConv: 'Aloita uusi keskustelu', you: 'Sinä', bot: 'Chatbotti', agent: 'Asiakaspalvelu',
      system: 'Ilmoitus', unread: (n) => (n === 1 ? '1 uusi viesti' : n + ' uutta viestiä'),
      helpful: 'Oliko vastauksesta apua?', yes: 'Kyllä', no: 'Ei', thanks: 'Kiitos palautteesta!',
      handoff: 'Keskustele asiakaspalvelijan kanssa',
      queued: (p) => (p ? 'Olet jonossa sijalla ' + p + '.' : 'Olet jonossa.'),
      wait: (m) => 'Arvioitu odotusaika noin ' + m + ' min.',
      withAgent: (a) => 'Asiakaspalvelija: ' + a, typing: (a) => (a || 'Asiakaspalvelija') + ' kirjoittaa…',
      ended: 'Keskustelu on päättynyt.',
      cTitle: 'Jätä yhteydenottopyyntö',
      cIntro: 'Asiakaspalvelu ei ole nyt tavoitettavissa. Jätä yhteystietosi, niin otamme sinuun yhteyttä.',
      cName: 'Nimi', cEmail: 'Sähköposti', cPhone: 'Puhelinnumero', cMsg: 'Asiasi', req: '(pakollinen)',
      cHint: 'Anna sähköposti tai puhelinnumero tai molemmat.', cSend: 'Lähetä yhteydenottopyyntö',
      cDone: 'Kiitos! Yhteydenottopyyntösi on vastaanotettu. Otamme sinuun yhteyttä.',
      eName: 'Kirjoita nimesi.', eMsg: 'Kirjoita asiasi.', eReach: 'Anna sähköposti tai puhelinnumero.',
      eEmail: 'Tarkista sähköpostiosoite.', ePhone: 'Tarkista puhelinnumero.',
      rTitle: 'Miten onnistuimme?', rScale: '1 = huonosti, 5 = erinomaisesti',
      rStar: (n) => n + ' / 5', rComment: 'Kommentti (vapaaehtoinen)', rSend: 'Lähetä arvio',
      rDone: 'Kiitos arviostasi!', eScore: 'Valitse arvosana 1–5.',
      err: {
        text_too_long: 'Viesti on liian pitkä. Lyhennä sitä ja yritä uudelleen.',
        empty_text: 'Viesti on tyhjä.',
        rate_limited: 'Lähetit viestejä liian nopeasti. Viesti lähetetään hetken kuluttua uudelleen.',
        origin_not_allowed: 'Chat ei ole käytettävissä tällä sivustolla.',
        unknown_municipality: 'Tämän kunnan chattia ei löytynyt.',
        conversation_closed: 'Keskustelu on päättynyt. Voit aloittaa uuden keskustelun.',
        conversation_not_found: 'Aiempaa keskustelua ei löytynyt, joten aloitettiin uusi.',
        unknown_entry: 'Valittua vastausta ei löytynyt. Kirjoita kysymyksesi omin sanoin.',
        invalid_contact: 'Tarkista yhteystiedot: nimi, asia ja sähköposti tai puhelinnumero tarvitaan.',
        invalid_rating: 'Arviota ei voitu tallentaa. Valitse arvosana 1–5.',
        rating_not_allowed: 'Tätä keskustelua ei voi enää arvioida.',
        other: 'Jokin meni vikaan. Yritä uudelleen.',
      },
    },
    sv: {
      title: 'Chatt', close: 'Stäng chatten', open: 'Öppna chatten', langs: 'Språk',
      privacy: 'Skriv inte din personbeteckning eller dina hälsouppgifter i chatten.',
      privacyLink: 'Dataskyddsbeskrivning', a11yLink: 'Tillgänglighetsutlåtande', newTab: '(öppnas i en ny flik)',
      log: 'Samtal', label: 'Skriv ett meddelande', placeholder: 'Skriv ditt meddelande…', send: 'Skicka',
      count: (n, m) => n + ' / ' + m + ' tecken',
      sending: 'Skickas…', notSent: 'Inte skickat', connecting: 'Ansluter…',
      reconnecting: 'Anslutningen bröts. Återansluter…',
      newConv: 'Starta ett nytt samtal', you: 'Du', bot: 'Chattbot', agent: 'Kundtjänst',
      system: 'Meddelande', unread: (n) => (n === 1 ? '1 nytt meddelande' : n + ' nya meddelanden'),
      helpful: 'Var svaret till hjälp?', yes: 'Ja', no: 'Nej', thanks: 'Tack för din respons!',
      handoff: 'Prata med en kundtjänstmedarbetare',
      queued: (p) => (p ? 'Du är nummer ' + p + ' i kön.' : 'Du är i kön.'),
      wait: (m) => 'Uppskattad väntetid cirka ' + m + ' min.',
      withAgent: (a) => 'Kundtjänst: ' + a, typing: (a) => (a || 'Kundtjänsten') + ' skriver…',
      ended: 'Samtalet har avslutats.',
      cTitle: 'Lämna en kontaktbegäran',
      cIntro: 'Kundtjänsten kan inte nås just nu. Lämna dina kontaktuppgifter så kontaktar vi dig.',
      cName: 'Namn', cEmail: 'E-post', cPhone: 'Telefonnummer', cMsg: 'Ditt ärende', req: '(obligatorisk)',
      cHint: 'Ange e-post eller telefonnummer eller båda.', cSend: 'Skicka kontaktbegäran',
      cDone: 'Tack! Din kontaktbegäran har tagits emot. Vi kontaktar dig.',
      eName: 'Skriv ditt namn.', eMsg: 'Skriv ditt ärende.', eReach: 'Ange e-post eller telefonnummer.',
      eEmail: 'Kontrollera e-postadressen.', ePhone: 'Kontrollera telefonnumret.',
      rTitle: 'Hur lyckades vi?', rScale: '1 = dåligt, 5 = utmärkt',
      rStar: (n) => n + ' / 5', rComment: 'Kommentar (frivillig)', rSend: 'Skicka bedömning',
      rDone: 'Tack för din bedömning!', eScore: 'Välj ett vitsord 1–5.',
      err: {
        text_too_long: 'Meddelandet är för långt. Korta ner det och försök igen.',
        empty_text: 'Meddelandet är tomt.',
        rate_limited: 'Du skickade meddelanden för snabbt. Meddelandet skickas på nytt om en stund.',
        origin_not_allowed: 'Chatten är inte tillgänglig på den här webbplatsen.',
        unknown_municipality: 'Kommunens chatt hittades inte.',
        conversation_closed: 'Samtalet har avslutats. Du kan starta ett nytt samtal.',
        conversation_not_found: 'Det tidigare samtalet hittades inte, så ett nytt samtal har startats.',
        unknown_entry: 'Det valda svaret hittades inte. Skriv din fråga med egna ord.',
        invalid_contact: 'Kontrollera uppgifterna: namn, ärende och e-post eller telefonnummer behövs.',
        invalid_rating: 'Bedömningen kunde inte sparas. Välj ett vitsord 1–5.',
        rating_not_allowed: 'Det här samtalet kan inte längre bedömas.',
        other: 'Något gick fel. Försök igen.',
      },
    },
    en: {
      title: 'Chat', close: 'Close chat', open: 'Open chat', langs: 'Language',
      privacy: 'Do not type your personal identity code or health details in the chat.',
      privacyLink: 'Privacy statement', a11yLink: 'Accessibility statement', newTab: '(opens in a new tab)',
      log: 'Conversation', label: 'Write a message', placeholder: 'Write your message…', send: 'Send',
      count: (n, m) => n + ' / ' + m + ' characters',
      sending: 'Sending…', notSent: 'Not sent', connecting: 'Connecting…',
      reconnecting: 'Connection lost. Reconnecting…',
      newConv: 'Start a new conversation', you: 'You', bot: 'Chatbot', agent: 'Customer service',
      system: 'Notice', unread: (n) => (n === 1 ? '1 new message' : n + ' new messages'),
      helpful: 'Was this answer helpful?', yes: 'Yes', no: 'No', thanks: 'Thank you for your feedback!',
      handoff: 'Talk to a person',
      queued: (p) => (p ? 'You are number ' + p + ' in the queue.' : 'You are in the queue.'),
      wait: (m) => 'Estimated wait about ' + m + ' min.',
      withAgent: (a) => 'Customer service: ' + a, typing: (a) => (a || 'Customer service') + ' is typing…',
      ended: 'The conversation has ended.',
      cTitle: 'Leave a contact request',
      cIntro: 'Customer service cannot be reached right now. Leave your contact details and we will contact you.',
      cName: 'Name', cEmail: 'Email', cPhone: 'Phone number', cMsg: 'Your matter', req: '(required)',
      cHint: 'Give an email address or a phone number, or both.', cSend: 'Send contact request',
      cDone: 'Thank you! Your contact request has been received. We will contact you.',
      eName: 'Type your name.', eMsg: 'Describe your matter.', eReach: 'Give an email address or a phone number.',
      eEmail: 'Check the email address.', ePhone: 'Check the phone number.',
      rTitle: 'How did we do?', rScale: '1 = poor, 5 = excellent',
      rStar: (n) => n + ' / 5', rComment: 'Comment (optional)', rSend: 'Send rating',
      rDone: 'Thank you for your rating!', eScore: 'Choose a score from 1 to 5.',
      err: {
        text_too_long: 'The message is too long. Please shorten it and try again.',
        empty_text: 'The message is empty.',
        rate_limited: 'You sent messages too quickly. The message will be sent again in a moment.',
        origin_not_allowed: 'The chat is not available on this website.',
        unknown_municipality: "This municipality's chat was not found.",
        conversation_closed: 'This conversation has ended. You can start a new one.',
        conversation_not_found: 'The earlier conversation was not found, so a new one was started.',
        unknown_entry: 'The chosen answer was not found. Please type your question in your own words.',
        invalid_contact: 'Please check the details: a name, your matter and an email or phone number are needed.',
        invalid_rating: 'The rating could not be saved. Choose a score from 1 to 5.',
        rating_not_allowed: 'This conversation can no longer be rated.',
        other: 'Something went wrong. Please try again.',
      },
    },
  };
  const LANG_NAMES = {fi: 'suomi', sv: 'svenska', en: 'English'};
  const LOCALES = {fi: 'fi-FI', sv: 'sv-FI', en: 'en-GB'};
  const FATAL = ['origin_not_allowed', 'unknown_municipality'];
  const ENDED = ['closed', 'abandoned'];
  const SAFE_TAGS = /^(A|P|BR|STRONG|B|EM|I|UL|OL|LI|CODE|PRE|BLOCKQUOTE|H[3-6]|HR)$/;
  const SAFE_HREF = /^(https?:|mailto:|tel:)/i;
  const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
  const PHONE = /^\+?[0-9 ()./-]{5,30}$/;  // as the server's chat/protocol.py
  const TYPING_EVERY_MS = 2000;  // the server drops more than one a second anyway
  const TYPING_SHOWN_MS = 6000;
  const SVG = 'http://www.w3.org/2000/svg';

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
  // Text is only replaced when it changes: a rewrite inside a live region (the log, status,
  // alert) can be read out again, and every reconnect re-renders the panel.
  const setText = (n, text) => { if (n.textContent !== text) n.textContent = text; };
  // Icons built as DOM, not innerHTML, so pages with Trusted Types still get them.
  const icon = (d) => {
    const s = document.createElementNS(SVG, 'svg');
    s.setAttribute('viewBox', '0 0 24 24');
    s.setAttribute('aria-hidden', 'true');
    s.setAttribute('focusable', 'false');
    const p = document.createElementNS(SVG, 'path');
    p.setAttribute('d', d);
    s.append(p);
    return s;
  };
  const X = 'M19 6.4 17.6 5 12 10.6 6.4 5 5 6.4 10.6 12 5 17.6 6.4 19 12 13.4 17.6 19 19 17.6 13.4 12z';

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

  function mount(ctx) {
    const root = ctx.root, launcher = ctx.launcher, badge = ctx.badge;
    const key = ctx.storageKey || 'kuntachat:' + ctx.slug;
    let lang = STR[ctx.lang] ? ctx.lang : 'fi';
    let langs = null, name = '', maxChars = 2000, links = {};
    let ws = null, live = false, welcomed = false, fatal = false, attempt = 0;
    let retryTimer = 0, beatTimer = 0, resendTimer = 0, typingTimer = 0, awaitingPong = false;
    let inflight = [];  // client_ids sent on this socket and not yet echoed
    let seen = new Set(), unread = 0, isOpen = false, lastError = '', lastTyping = 0;
    let info = {};  // the latest state frame: position, estimated_wait_s, agent, service...
    let askedForPerson = false;
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
        state: typeof s.state === 'string' ? s.state : null,
        theme: s.theme || null,
        fb: s.fb && typeof s.fb === 'object' ? s.fb : {},  // seq -> the helpful verdict the server acked
        contactSent: !!s.contactSent,
        rated: +s.rated || 0,
      };
    }
    function save() {
      try { localStorage.setItem(key, JSON.stringify(st)); } catch (e) { /* storage full or blocked */ }
    }
    // Open or not is per tab: a link from a bot answer opens a new tab, which must not
    // start with the panel covering the page the resident wanted to read.
    function saveOpen() {
      try { sessionStorage.setItem(key + ':open', isOpen ? '1' : ''); } catch (e) { /* blocked */ }
    }
    const t = () => STR[lang];
    const ended = () => ENDED.includes(st.state);

    // ---- DOM ------------------------------------------------------------------------------
    const title = el('h2', {id: 'kc-title', cls: 'kc-title'});
    const langBox = el('div', {cls: 'kc-langs', role: 'group'});
    const closeBtn = el('button', {type: 'button', cls: 'kc-close', 'data-testid': 'close'}, [icon(X)]);
    const privacyText = el('span');
    const privacyA = el('a', {target: '_blank', rel: 'noopener', 'data-testid': 'privacy-link'});
    const a11yA = el('a', {target: '_blank', rel: 'noopener', 'data-testid': 'a11y-link'});
    const privacy = el('p', {cls: 'kc-privacy', 'data-testid': 'privacy'}, [privacyText, ' ', privacyA, ' · ', a11yA]);
    const status = el('div', {cls: 'kc-status', role: 'status', 'data-testid': 'status'});
    const queueInfo = el('div', {cls: 'kc-info', role: 'status', 'data-testid': 'queue'});
    const log = el('div', {
      cls: 'kc-log', role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions',
      tabindex: '0', 'data-testid': 'log',
    });
    const typingLine = el('p', {cls: 'kc-typing', 'data-testid': 'typing', hidden: ''});
    const extra = el('div', {cls: 'kc-extra'});
    const body = el('div', {cls: 'kc-body'}, [log, typingLine, extra]);
    const error = el('div', {cls: 'kc-error', role: 'alert', 'data-testid': 'error'});
    const handoffBtn = el('button', {type: 'button', cls: 'kc-act', 'data-testid': 'handoff', hidden: ''});
    const newBtn = el('button', {type: 'button', cls: 'kc-act', 'data-testid': 'new-conversation', hidden: ''});
    const actions = el('div', {cls: 'kc-actions'}, [handoffBtn, newBtn]);
    const label = el('label', {for: 'kc-input', cls: 'kc-vh'});
    const input = el('textarea', {id: 'kc-input', rows: '2', 'data-testid': 'composer', 'aria-describedby': 'kc-count'});
    const count = el('span', {id: 'kc-count', cls: 'kc-count', 'data-testid': 'counter'});
    const send = el('button', {type: 'submit', cls: 'kc-send', 'data-testid': 'send'});
    const form = el('form', {cls: 'kc-form', novalidate: ''}, [label, input, send, count]);
    const panel = el('section', {
      id: 'kc-panel', cls: 'kc-panel', role: 'dialog', 'aria-modal': 'false',
      'aria-labelledby': 'kc-title', 'data-testid': 'panel', hidden: '',
    }, [el('div', {cls: 'kc-head'}, [title, langBox, closeBtn]), privacy, status, queueInfo, body, error, actions, form]);
    const greetRow = el('div', {cls: 'kc-row kc-bot', hidden: ''});
    const greetBubble = el('div', {cls: 'kc-bubble', 'data-testid': 'greeting', 'data-sender': 'bot'});
    greetRow.append(greetBubble);
    greetRow.kcSeq = 0;
    log.append(greetRow);
    (ctx.shell || root).append(panel);
    launcher.setAttribute('aria-controls', 'kc-panel');
    if (st.theme) applyTheme(st.theme);

    // Everything that shows text in the current language is (re)written here, so a
    // language switch relabels the whole panel in place.
    function render() {
      const s = t();
      panel.lang = lang;
      ctx.host.lang = lang;
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
          // The visible code is part of the name (WCAG 2.5.3), the language's own name follows.
          const b = el('button', {type: 'button', lang: l, 'data-testid': 'lang-' + l},
            [l.toUpperCase(), el('span', {cls: 'kc-vh', text: ' ' + LANG_NAMES[l]})]);
          b.addEventListener('click', () => setLanguage(l));
          langBox.append(b);
        });
      }
      langBox.querySelectorAll('button').forEach((b) => b.setAttribute('aria-pressed', String(b.lang === lang)));
      log.querySelectorAll('.kc-who').forEach((w) => setText(w, w.dataset.name || s[w.dataset.who]));
      closeBtn.setAttribute('aria-label', s.close);
      setText(privacyText, s.privacy);
      linkText(privacyA, s.privacyLink);
      linkText(a11yA, s.a11yLink);
      privacyA.href = links.privacy || ctx.origin + '/privacy/' + encodeURIComponent(ctx.slug) + '/?lang=' + lang;
      a11yA.href = links.a11y || ctx.origin + '/accessibility/' + encodeURIComponent(ctx.slug) + '/?lang=' + lang;
      log.setAttribute('aria-label', s.log);
      log.querySelectorAll('.kc-newtab').forEach((n) => setText(n, ' ' + s.newTab));
      log.querySelectorAll('.kc-fb').forEach((g) => fbRender(g));
      setText(label, s.label);
      input.placeholder = s.placeholder;
      setText(send, s.send);
      setText(handoffBtn, s.handoff);
      setText(newBtn, s.newConv);
      log.querySelectorAll('.kc-pending:not(.kc-failed) .kc-meta').forEach((m) => setText(m, s.sending));
      log.querySelectorAll('.kc-failed .kc-meta').forEach((m) => setText(m, s.notSent));
      if (status.textContent) setStatus(ws && !live && !welcomed ? 'connecting' : 'reconnecting');
      if (lastError) showError(lastError);
      renderInfo();
      renderExtra();
      updateCount();
      updateLauncher();
    }
    function linkText(a, text) {
      a.textContent = text;
      a.append(el('span', {cls: 'kc-vh kc-newtab', text: ' ' + t().newTab}));
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
      setText(badge, unread > 9 ? '9+' : String(unread));
    }

    function setStatus(kind) { setText(status, kind ? t()[kind] : ''); }
    function showError(code) {
      lastError = code || '';
      setText(error, code ? t().err[code] || t().err.other : '');
    }

    function updateCount() {
      const n = Array.from(input.value).length;
      const over = n > maxChars;
      setText(count, t().count(n, maxChars));
      count.classList.toggle('kc-over', over);
      input.setAttribute('aria-invalid', String(over));
      send.disabled = fatal || over || !input.value.trim();
      if (!isOpen) return;
      input.style.height = 'auto';  // grow with the text, up to the CSS max-height
      input.style.height = Math.min(input.scrollHeight + 2, 120) + 'px';
    }

    // ---- Queue, agent, typing ---------------------------------------------------------------
    function renderInfo() {
      const s = t();
      let text = '';
      if (st.state === 'queued') {
        text = s.queued(+info.position > 0 ? info.position : 0);
        const w = +info.estimated_wait_s;
        if (w > 0) text += ' ' + s.wait(Math.max(1, Math.round(w / 60)));
      } else if (st.state === 'assigned' && agentName()) text = s.withAgent(agentName());
      else if (ended()) text = s.ended;
      setText(queueInfo, text);
      if (!typingLine.hidden) setText(typingLine, s.typing(agentName()));
      setHidden(handoffBtn, fatal || !welcomed || st.state !== 'bot' || askedForPerson);
      setHidden(newBtn, !ended());
    }
    const agentName = () => (info.agent && typeof info.agent.display_name === 'string' ? info.agent.display_name : '');

    // Hiding what holds focus would drop focus to the page; hand it to the composer instead.
    function setHidden(node, hide) {
      if (hide && !node.hidden && node.contains(root.activeElement)) input.focus();
      node.hidden = hide;
    }

    function onTyping() {
      if (st.state !== 'assigned') return;
      typingLine.hidden = false;
      setText(typingLine, t().typing(agentName()));
      clearTimeout(typingTimer);
      typingTimer = setTimeout(hideTyping, TYPING_SHOWN_MS);
    }
    function hideTyping() { clearTimeout(typingTimer); typingLine.hidden = true; }

    function onState(f) {
      if (typeof f.state === 'string') st.state = f.state;
      info = f;
      if (st.state !== 'assigned') hideTyping();
      if (st.state !== 'bot') askedForPerson = false;
      if (ended()) {
        st.pending.slice().forEach((p) => fail(p.client_id));
      }
      save();
      renderInfo();
      renderExtra();
    }

    // ---- Contact form and rating ------------------------------------------------------------
    // Which extra block the state calls for: the contact form, its receipt, the rating, its
    // receipt. Rebuilt only when that or the language changes, keeping what was typed.
    let extraKind = '', extraLang = '', extraFocus = false;
    function wantedExtra() {
      if (st.contactSent) return 'contactDone';
      if (st.state === 'bot' && info.contact_form) return 'contact';
      if (st.rated) return 'ratingDone';
      if (ended() && info.rating_requested) return 'rating';
      return '';
    }
    function renderExtra() {
      const kind = wantedExtra();
      if (kind === extraKind && lang === extraLang) return;
      const active = extra.contains(root.activeElement) ? root.activeElement : null;
      const kept = {};
      extra.querySelectorAll('input:not([type=radio]), textarea').forEach((f) => (kept[f.name] = f.value));
      const score = extra.querySelector('input[type=radio]:checked');
      const stick = nearBottom();
      extra.textContent = '';
      extraKind = kind;
      extraLang = lang;
      if (kind === 'contact') extra.append(contactForm(kept));
      else if (kind === 'rating') extra.append(ratingForm(kept, score && score.value));
      else if (kind) {
        extra.append(el('p', {cls: 'kc-done', tabindex: '-1', 'data-testid': kind === 'contactDone' ? 'contact-done' : 'rating-done',
          text: kind === 'contactDone' ? t().cDone : t().rDone}));
      }
      // Focus stays where the resident had it: on the same field after a language switch, on
      // the receipt after they sent the form.
      const same = active && active.id && extra.querySelector('#' + active.id);
      const target = same || (active || extraFocus ? extra.querySelector('.kc-done') : null);
      if (target) target.focus({preventScroll: true});
      else if (active) input.focus({preventScroll: true});
      extraFocus = false;
      if (stick) toBottom();
    }

    function field(id, labelText, control, hint) {
      const err = el('p', {id: id + '-err', cls: 'kc-ferr', hidden: ''});
      control.id = id;
      control.name = id;
      control.setAttribute('aria-describedby', (hint ? id + '-hint ' : '') + id + '-err');
      return el('div', {cls: 'kc-field'}, [el('label', {for: id, text: labelText}),
        hint ? el('p', {id: id + '-hint', cls: 'kc-hint', text: hint}) : null, control, err]);
    }
    function setFieldError(form, id, msg) {
      const c = form.querySelector('#' + id), e = form.querySelector('#' + id + '-err');
      c.setAttribute('aria-invalid', String(!!msg));
      e.textContent = msg || '';
      e.hidden = !msg;
      return !msg;
    }

    function contactForm(kept) {
      const s = t();
      const lastAsked = Array.from(log.querySelectorAll('[data-sender=resident][data-seq]')).pop();
      const mk = (tag, attrs, value) => { const c = el(tag, attrs); c.value = value || ''; return c; };
      const f = el('form', {cls: 'kc-card', novalidate: '', 'aria-labelledby': 'kc-c-title', 'data-testid': 'contact-form'}, [
        el('h3', {id: 'kc-c-title', text: s.cTitle}),
        el('p', {text: s.cIntro}),
        field('kc-c-name', s.cName + ' ' + s.req, mk('input', {type: 'text', autocomplete: 'name', required: '', maxlength: '200'}, kept['kc-c-name'])),
        el('p', {id: 'kc-c-reach', cls: 'kc-hint', text: s.cHint}),
        field('kc-c-email', s.cEmail, mk('input', {type: 'email', autocomplete: 'email', maxlength: '254'}, kept['kc-c-email'])),
        field('kc-c-phone', s.cPhone, mk('input', {type: 'tel', autocomplete: 'tel', maxlength: '30'}, kept['kc-c-phone'])),
        field('kc-c-msg', s.cMsg + ' ' + s.req, mk('textarea', {rows: '3', required: '', maxlength: '4000'},
          kept['kc-c-msg'] !== undefined ? kept['kc-c-msg'] : lastAsked ? lastAsked.textContent : '')),
        el('p', {cls: 'kc-ferr', id: 'kc-c-form-err', role: 'alert'}),
        el('button', {type: 'submit', cls: 'kc-send', text: s.cSend}),
      ]);
      f.addEventListener('submit', (e) => {
        e.preventDefault();
        const v = (id) => f.querySelector('#' + id).value.trim();
        const email = v('kc-c-email'), phone = v('kc-c-phone');
        const digits = phone.replace(/\D/g, '').length;
        const ok = [
          setFieldError(f, 'kc-c-name', v('kc-c-name') ? '' : s.eName),
          setFieldError(f, 'kc-c-email', !email && !phone ? s.eReach : email && !EMAIL.test(email) ? s.eEmail : ''),
          setFieldError(f, 'kc-c-phone', phone && !(PHONE.test(phone) && digits >= 5 && digits <= 20) ? s.ePhone : ''),
          setFieldError(f, 'kc-c-msg', v('kc-c-msg') ? '' : s.eMsg),
        ];
        f.querySelector('#kc-c-form-err').textContent = '';
        const bad = f.querySelector('[aria-invalid=true]');
        if (!ok.every(Boolean)) { bad.focus(); return; }
        // Not kept for later like messages: the form stays filled in for another try.
        if (frame({type: 'contact_request', name: v('kc-c-name'), email, phone, message: v('kc-c-msg')})) extraFocus = true;
        else f.querySelector('#kc-c-form-err').textContent = s.reconnecting;
      });
      // The email-or-phone rule is part of both fields' description.
      ['kc-c-email', 'kc-c-phone'].forEach((id) => f.querySelector('#' + id).setAttribute('aria-describedby', 'kc-c-reach ' + id + '-err'));
      return f;
    }

    function ratingForm(kept, score) {
      const s = t();
      const stars = el('div', {cls: 'kc-stars'});
      for (let n = 1; n <= 5; n++) {
        const r = el('input', {type: 'radio', name: 'kc-score', id: 'kc-r' + n, value: String(n), cls: 'kc-vh', 'data-testid': 'score-' + n});
        if (String(n) === score) r.checked = true;
        stars.append(r, el('label', {for: 'kc-r' + n}, [el('span', {'aria-hidden': 'true', text: '★'}), el('span', {text: s.rStar(n)})]));
      }
      const comment = el('textarea', {rows: '2', maxlength: '2000'});
      comment.value = kept['kc-r-comment'] || '';
      const err = el('p', {cls: 'kc-ferr', id: 'kc-r-err', role: 'alert'});
      const f = el('form', {cls: 'kc-card', novalidate: '', 'data-testid': 'rating-form'}, [
        el('fieldset', {'aria-describedby': 'kc-r-err'}, [el('legend', {}, [el('strong', {text: s.rTitle}), ' ', el('span', {text: s.rScale})]), stars]),
        field('kc-r-comment', s.rComment, comment),
        err,
        el('button', {type: 'submit', cls: 'kc-send', text: s.rSend}),
      ]);
      f.addEventListener('submit', (e) => {
        e.preventDefault();
        const chosen = f.querySelector('input[type=radio]:checked');
        err.textContent = chosen ? '' : s.eScore;
        if (!chosen) { f.querySelector('input[type=radio]').focus(); return; }
        if (frame({type: 'rating', score: +chosen.value, comment: comment.value.trim()})) extraFocus = true;
        else err.textContent = s.reconnecting;
      });
      return f;
    }

    // ---- Messages -------------------------------------------------------------------------
    const nearBottom = () => body.scrollHeight - body.scrollTop - body.clientHeight < 80;
    // At 400 % zoom the panel itself scrolls (see widget.css), so both are taken down.
    const toBottom = () => { body.scrollTop = body.scrollHeight; panel.scrollTop = panel.scrollHeight; };
    // A conversation read at its end stays at its end when the space around it changes (a
    // button or the queue line appears, the composer grows).
    let pinned = true;
    body.addEventListener('scroll', () => { pinned = nearBottom(); }, {passive: true});
    if (window.ResizeObserver) new ResizeObserver(() => { if (pinned) toBottom(); }).observe(body);

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

    function row(sender, seq, who) {
      const key = sender === 'resident' ? 'you' : sender;
      const w = el('div', {cls: /bot|agent/.test(sender) ? 'kc-who' : 'kc-who kc-vh', 'data-who': key, text: who || t()[key]});
      if (who) w.dataset.name = who;
      const r = el('div', {cls: 'kc-row kc-' + sender}, [w]);
      r.kcSeq = seq;
      return r;
    }

    // Defence in depth: the server already sanitises `html`; keep only its tags and safe links.
    function safeHtml(html) {
      const tpl = document.createElement('template');  // inert: nothing loads or runs
      tpl.innerHTML = html;
      Array.from(tpl.content.querySelectorAll('*')).reverse().forEach((n) => {
        if (!SAFE_TAGS.test(n.tagName)) {
          if (/^(SCRIPT|STYLE|TEMPLATE|IFRAME|OBJECT|EMBED|SVG|MATH|NOSCRIPT|TEXTAREA|SELECT)$/i.test(n.tagName)) n.remove();
          else n.replaceWith(...n.childNodes);
          return;
        }
        for (const a of Array.from(n.attributes)) {
          if (!(n.tagName === 'A' && (a.name === 'href' || a.name === 'title'))) n.removeAttribute(a.name);
        }
        if (n.tagName === 'A') {
          if (!SAFE_HREF.test((n.getAttribute('href') || '').trim())) n.removeAttribute('href');
          n.setAttribute('target', '_blank');
          n.setAttribute('rel', 'noopener noreferrer nofollow');
          n.append(el('span', {cls: 'kc-vh kc-newtab', text: ' ' + t().newTab}));
        }
      });
      return tpl.content;
    }

    function addMessage(f) {
      if (typeof f.seq !== 'number') return;
      if (seen.has(f.seq)) { if (f.client_id) settle(f.client_id); return; }
      seen.add(f.seq);
      st.lastSeq = Math.max(st.lastSeq, f.seq);
      const sender = ['resident', 'bot', 'agent', 'system'].includes(f.sender) ? f.sender : 'system';
      if (sender === 'agent') hideTyping();
      const stick = nearBottom() || sender === 'resident';
      const time = timeOf(f.created);
      // Our own message comes back as its acknowledgement: the pending copy on screen (already
      // read out by screen readers) becomes the stored one in place, so it is announced once.
      const mine = sender === 'resident' && f.client_id ? pendingEl(f.client_id) : null;
      if (mine && !(mine.previousElementSibling && mine.previousElementSibling.kcSeq > f.seq)) {
        settle(f.client_id, true);
        mine.classList.remove('kc-pending');
        mine.kcSeq = f.seq;
        const b = mine.querySelector('.kc-bubble');
        b.dataset.seq = f.seq;
        b.removeAttribute('data-pending');
        mine.querySelector('.kc-meta').textContent = time;
      } else {
        if (f.client_id) settle(f.client_id);
        const who = sender === 'agent' && f.agent && typeof f.agent.display_name === 'string' ? f.agent.display_name : '';
        const r = row(sender, f.seq, who);
        const bubble = el('div', {cls: 'kc-bubble', 'data-testid': 'message', 'data-seq': f.seq, 'data-sender': sender});
        if (sender === 'resident' || typeof f.html !== 'string' || !f.html) bubble.textContent = f.text || '';
        else bubble.append(safeHtml(f.html));
        r.append(bubble);
        const sugg = Array.isArray(f.suggestions) && f.suggestions.length;
        if (sugg) r.append(suggestions(f.suggestions));
        if (time) r.append(el('div', {cls: 'kc-meta', text: time}));
        // The bot's answers (not its offers of choices, nor its "you are welcome") can be rated.
        if (sender === 'bot' && !sugg && f.small_talk !== true) r.append(feedbackBox(f.seq));
        place(r, f.seq);
      }
      if (sender === 'resident') disableSuggestions();
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
          if (b.getAttribute('aria-disabled') === 'true') return;
          queue({client_id: newId(), text: String(s.question || ''), entry: s.id});
        });
        box.append(b);
      });
      return box;
    }
    // aria-disabled, not disabled: a disabled button would drop the keyboard focus it holds.
    function disableSuggestions() {
      log.querySelectorAll('.kc-sugg button').forEach((b) => b.setAttribute('aria-disabled', 'true'));
    }

    function feedbackBox(seq) {
      const g = el('div', {cls: 'kc-fb', role: 'group', 'data-testid': 'feedback'});
      g.kcSeq = seq;
      const q = el('span', {cls: 'kc-fbq'});
      const yes = el('button', {type: 'button', 'data-testid': 'helpful-yes'});
      const no = el('button', {type: 'button', 'data-testid': 'helpful-no'});
      const thanks = el('span', {cls: 'kc-fbt', 'data-testid': 'feedback-thanks'});
      yes.addEventListener('click', () => frame({type: 'feedback', seq, helpful: true}));
      no.addEventListener('click', () => frame({type: 'feedback', seq, helpful: false}));
      g.append(q, yes, no, thanks);
      fbRender(g);
      return g;
    }
    function fbRender(g) {
      const s = t(), v = st.fb[g.kcSeq];
      const [q, yes, no, thanks] = g.children;
      setText(q, s.helpful);
      q.id = 'kc-fbq-' + g.kcSeq;
      g.setAttribute('aria-labelledby', q.id);
      setText(yes, s.yes);
      setText(no, s.no);
      yes.setAttribute('aria-pressed', String(v === true));
      no.setAttribute('aria-pressed', String(v === false));
      setText(thanks, v === undefined ? '' : s.thanks);
    }
    function onFeedback(f) {
      if (typeof f.seq !== 'number' || typeof f.helpful !== 'boolean') return;
      st.fb[f.seq] = f.helpful;
      save();
      log.querySelectorAll('.kc-fb').forEach((g) => { if (g.kcSeq === f.seq) fbRender(g); });
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

    // The echo of our own message arrived: it is stored, so stop resending it.
    function settle(id, keepRow) {
      const r = pendingEl(id);
      if (r && !keepRow) r.remove();
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
      inflight = inflight.filter((x) => x !== id);
      st.pending = st.pending.filter((p) => p.client_id !== id);
      save();
    }

    function queue(p) {
      if (ended()) { showError('conversation_closed'); return false; }
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
    // After a reconnect every unacknowledged message goes once more; the server stores a
    // client_id once and echoes the stored copy for a repeat.
    function resend() {
      st.pending.forEach((p) => { if (!inflight.includes(p.client_id)) transmit(p); });
    }
    function frame(obj) {
      if (ws && ws.readyState === 1) { ws.send(JSON.stringify(obj)); return true; }
      return false;
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
      Object.assign(st, {lastSeq: 0, read: 0, fb: {}, contactSent: false, rated: 0});
      info = {};
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
      if (fatal) { setStatus(''); renderInfo(); return; }
      setStatus('reconnecting');
      // Exponential backoff with jitter, so that a restarted server is not hit by every
      // widget at the same moment.
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
      else if (f.type === 'state') onState(f);
      else if (f.type === 'feedback') onFeedback(f);
      else if (f.type === 'typing' && f.who === 'agent') onTyping();
      else if (f.type === 'contact_request') { st.contactSent = true; renderExtra(); }
      else if (f.type === 'rating') { st.rated = +f.score || 1; renderExtra(); }
      else if (f.type === 'error') onError(String(f.code || ''), typeof f.client_id === 'string' ? f.client_id : null);
      if (f.type !== 'pong' && f.type !== 'typing') save();
    }

    function onWelcome(f) {
      const m = f.municipality || {};
      langs = Array.isArray(m.languages) ? m.languages.filter((l) => STR[l]) : null;
      if (langs && langs.length && !langs.includes(lang)) lang = STR[f.language] ? f.language : langs[0];
      ctx.lang = lang;
      name = String(m.name || '');
      maxChars = (f.limits && +f.limits.max_chars) || maxChars;
      if (m.theme_color) st.theme = applyTheme(m.theme_color);
      const url = (u) => (typeof u === 'string' && /^https?:\/\//i.test(u) ? u : '');
      links = {privacy: url(m.privacy_url), a11y: url(m.accessibility_url)};
      setText(greetBubble, String(m.greeting || ''));
      greetRow.hidden = !m.greeting;
      if (f.conversation !== st.token) {
        if (st.token || seen.size) clearLog();
        st.token = String(f.conversation || '');
      }
      if (!welcomed) st.lastSeq = 0;  // this page's log is rebuilt from the full history
      live = true;
      welcomed = true;
      attempt = 0;
      setStatus('');
      if (lastError === 'conversation_closed' && !ENDED.includes(f.state)) showError('');
      (Array.isArray(f.messages) ? f.messages : []).forEach(addMessage);
      onState(f);  // the welcome carries the state frame's fields
      if (ended() && st.pending.length === 0 && lastError === 'conversation_closed') showError('');
      resend();
      clearInterval(beatTimer);
      beatTimer = setInterval(() => {
        // No answer since the last ping: the connection is dead even if nobody closed it.
        if (awaitingPong) { drop(); return; }
        awaitingPong = true;
        frame({type: 'ping'});
      }, 25000);
      render();
    }

    function onError(code, id) {
      if (FATAL.includes(code)) { fatal = true; input.disabled = true; updateCount(); }
      if (id && st.pending.some((p) => p.client_id === id)) {
        if (code === 'rate_limited') {
          clearTimeout(resendTimer);
          resendTimer = setTimeout(() => { inflight = []; resend(); }, 10000);
        } else fail(id);
      }
      if (code === 'conversation_closed') {
        if (!ended()) st.state = 'closed';
        st.pending.slice().forEach((p) => fail(p.client_id));
        renderInfo();
      }
      if (code === 'conversation_not_found') st.token = null;
      if (code === 'invalid_contact' || code === 'invalid_rating' || code === 'rating_not_allowed') {
        const box = extra.querySelector('[role=alert]');
        if (box) { box.textContent = t().err[code]; return; }
      }
      if (code === 'unknown_message' || code === 'invalid_feedback') return;  // a stale rating
      showError(code);
    }

    function startOver() {
      st = {token: null, lastSeq: 0, pending: [], read: 0, state: null, theme: st.theme, fb: {}, contactSent: false, rated: 0};
      log.querySelectorAll('.kc-failed, .kc-pending').forEach((r) => r.remove());
      clearLog();
      save();
      showError('');
      welcomed = false;
      renderInfo();
      renderExtra();
      input.focus();
      reconnectNow();
    }

    // ---- Open, close, language ------------------------------------------------------------
    function open(focus) {
      if (isOpen) return;
      isOpen = true;
      panel.hidden = false;
      unread = 0;
      st.read = st.lastSeq;
      save();
      saveOpen();
      updateLauncher();
      updateCount();
      toBottom();
      if (focus !== false) input.focus({preventScroll: true});
      if (!ws && !retryTimer) connect();
    }
    function close(refocus) {
      if (!isOpen) return;
      const inside = panel.contains(root.activeElement);
      isOpen = false;
      panel.hidden = true;
      saveOpen();
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
    handoffBtn.addEventListener('click', () => {
      if (!frame({type: 'handoff'})) return;
      askedForPerson = true;
      input.focus();  // the button goes away; the resident keeps writing
      renderInfo();
    });
    root.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && isOpen) { e.stopPropagation(); close(true); }
    });
    form.addEventListener('submit', (e) => { e.preventDefault(); submit(); });
    input.addEventListener('input', () => {
      updateCount();
      const now = Date.now();
      if (st.state === 'assigned' && input.value.trim() && now - lastTyping >= TYPING_EVERY_MS && frame({type: 'typing'})) lastTyping = now;
    });
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); submit(); }
    });
    const wake = () => { if (retryTimer) { attempt = 0; connect(); } };
    window.addEventListener('online', wake);
    document.addEventListener('visibilitychange', () => { if (!document.hidden) wake(); });

    render();
    st.pending.forEach(pendingRow);
    if (st.token && !ended()) connect();
    return {open, close: () => close(false), toggle: () => (isOpen ? close(true) : open()), setLanguage};
  }

  window.__kuntachatApp = mount;
})();
