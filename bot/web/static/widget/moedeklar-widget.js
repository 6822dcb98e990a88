/*
 * Mødeklar chat widget: a small, dependency-light chat for a municipality's web page.
 *
 * Owns the citizen-facing chat: opening and closing, the privacy note, sending messages over
 * Rasa's socket.io channel (official socket.io client, loaded from the same folder), showing
 * replies as text only, quick-reply buttons, the typing indicator, the connection state with a
 * queue for messages typed while offline, "Start forfra", and the printable preparation note.
 *
 * Embedding (see docs/widget.md):
 *   <script type="application/json" id="moedeklar-config">{"serverUrl": "...", "token": ...}</script>
 *   <script src="/static/widget/moedeklar-widget.js" data-config="moedeklar-config" defer></script>
 * `data-server-url`, `data-title` and `data-token` on the script tag override the JSON block.
 *
 * Rules: text is only ever set with textContent (never innerHTML); links are built with DOM
 * APIs and only for http(s); the conversation lives in sessionStorage (this tab only, gone when
 * the tab closes); the server, not this script, decides which conversation a session id opens.
 */
(function () {
  'use strict';

  var script = document.currentScript;
  if (!script || window.MoedeklarWidget) { return; }

  var STORAGE_KEY = 'moedeklar.chat.v1';
  var TYPING_TIMEOUT_MS = 20000;
  var QUEUE_GIVE_UP_MS = 120000;
  var MAX_CHARS = 4000;
  var URL_PATTERN = /\bhttps?:\/\/[^\s<>"']+/gi;
  var TRAILING_PUNCTUATION = /[.,;:!?)\]]+$/;
  var baseUrl = script.src.replace(/[^/]*$/, '');

  // --- configuration ------------------------------------------------------------------------
  function readConfig() {
    var config = {};
    var blockId = script.getAttribute('data-config');
    var block = blockId ? document.getElementById(blockId) : null;
    if (block) {
      try { config = JSON.parse(block.textContent || '{}') || {}; } catch (e) { config = {}; }
    }
    ['serverUrl', 'title', 'token'].forEach(function (key) {
      var attr = script.getAttribute('data-' + key.replace(/[A-Z]/g, function (c) { return '-' + c.toLowerCase(); }));
      if (attr) { config[key] = attr; }
    });
    config.title = config.title || 'Mødeklar';
    config.subtitle = config.subtitle || '';
    config.municipality = config.municipality || {};
    config.socketPath = config.socketPath || '/socket.io';
    return config;
  }

  var config = readConfig();
  var m = config.municipality;
  var owner = config.token ? (config.citizenName || 'borger') : null;

  // --- stored conversation (sessionStorage: this tab only) ----------------------------------
  function emptyState() { return { sessionId: null, owner: owner, open: false, items: [] }; }

  function loadState() {
    try {
      var raw = window.sessionStorage.getItem(STORAGE_KEY);
      var stored = raw ? JSON.parse(raw) : null;
      if (stored && stored.owner === owner && Array.isArray(stored.items)) { return stored; }
      // Someone else's (or a logged-out) conversation: forget it at once.
      window.sessionStorage.removeItem(STORAGE_KEY);
    } catch (e) { /* storage unavailable or broken: start empty */ }
    return emptyState();
  }

  function saveState() {
    try { window.sessionStorage.setItem(STORAGE_KEY, JSON.stringify(state)); } catch (e) { /* ignore */ }
  }

  var state = loadState();
  var socket = null;
  var sessionReady = false;
  var typingTimer = null;
  var queueTimer = null;
  var counter = 0;
  var scrollToNextAnswer = true; // the first part of an answer is shown from its top

  // --- small DOM helpers (text only, never HTML) --------------------------------------------
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function hiddenText(text) { return el('span', 'mk-visually-hidden', text); }

  function safeHttpUrl(raw) {
    try {
      var url = new URL(raw, window.location.href);
      return (url.protocol === 'http:' || url.protocol === 'https:' || url.protocol === 'tel:') ? url.href : null;
    } catch (e) { return null; }
  }

  function link(href, text, newWindow) {
    var a = el('a', 'mk-link', text);
    var safe = safeHttpUrl(href);
    if (!safe) { return el('span', null, text); }
    a.href = safe;
    if (newWindow) {
      a.target = '_blank';
      a.rel = 'noopener noreferrer';
      a.appendChild(hiddenText(' (åbner i et nyt vindue)'));
    }
    return a;
  }

  /** Append `text` to `parent`, turning http(s) URLs into safe links. */
  function appendText(parent, text) {
    var value = String(text || '');
    var last = 0;
    value.replace(URL_PATTERN, function (match, offset) {
      var urlText = match.replace(TRAILING_PUNCTUATION, '');
      parent.appendChild(document.createTextNode(value.slice(last, offset)));
      var url = null;
      try { url = new URL(urlText); } catch (e) { url = null; }
      if (url && (url.protocol === 'http:' || url.protocol === 'https:')) {
        parent.appendChild(link(url.href, urlText, true));
      } else {
        parent.appendChild(document.createTextNode(urlText));
      }
      last = offset + urlText.length;
      return match;
    });
    parent.appendChild(document.createTextNode(value.slice(last)));
  }

  // --- building the widget ------------------------------------------------------------------
  function chatIcon() {
    var ns = 'http://www.w3.org/2000/svg';
    var svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('width', '22');
    svg.setAttribute('height', '22');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('focusable', 'false');
    svg.setAttribute('class', 'mk-launcher__icon');
    var path = document.createElementNS(ns, 'path');
    path.setAttribute('d', 'M4 4h16a2 2 0 0 1 2 2v9a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z');
    path.setAttribute('fill', 'none');
    path.setAttribute('stroke', 'currentColor');
    path.setAttribute('stroke-width', '2');
    path.setAttribute('stroke-linejoin', 'round');
    svg.appendChild(path);
    return svg;
  }

  var root = el('div', 'mk-root');
  root.lang = 'da';
  root.setAttribute('lang', 'da');

  var launcher = el('button', 'mk-launcher');
  launcher.type = 'button';
  launcher.id = 'mk-launcher';
  launcher.setAttribute('aria-expanded', 'false');
  launcher.setAttribute('aria-controls', 'mk-panel');
  launcher.appendChild(chatIcon());
  launcher.appendChild(el('span', null, 'Chat med ' + config.title));

  var panel = el('div', 'mk-panel');
  panel.id = 'mk-panel';
  panel.setAttribute('role', 'dialog');
  panel.setAttribute('aria-labelledby', 'mk-title');
  panel.hidden = true;

  var header = el('div', 'mk-header');
  var headings = el('div', 'mk-header__text');
  var title = el('h2', 'mk-title', config.title);
  title.id = 'mk-title';
  headings.appendChild(title);
  if (config.subtitle) { headings.appendChild(el('p', 'mk-subtitle', config.subtitle)); }
  var identity = el('p', 'mk-identity');
  if (config.token) {
    identity.appendChild(el('span', 'mk-badge mk-badge--in', 'Logget ind'));
    identity.appendChild(document.createTextNode(' som ' + (config.citizenName || 'dig')));
  } else {
    identity.appendChild(el('span', 'mk-badge mk-badge--out', 'Ikke logget ind'));
    identity.appendChild(document.createTextNode(' Du får generelle svar.'));
  }
  headings.appendChild(identity);
  header.appendChild(headings);
  var headerButtons = el('div', 'mk-header__buttons');
  var restartButton = el('button', 'mk-button mk-button--quiet', 'Start forfra');
  restartButton.type = 'button';
  var closeButton = el('button', 'mk-button mk-button--quiet', 'Luk');
  closeButton.type = 'button';
  closeButton.setAttribute('aria-label', 'Luk chatten');
  headerButtons.appendChild(restartButton);
  headerButtons.appendChild(closeButton);
  header.appendChild(headerButtons);

  var status = el('p', 'mk-status');
  status.setAttribute('role', 'status');

  var body = el('div', 'mk-body');
  body.tabIndex = -1;
  var privacy = el('section', 'mk-privacy');
  privacy.setAttribute('aria-labelledby', 'mk-privacy-title');
  var privacyTitle = el('h3', 'mk-privacy__title', 'Før du skriver');
  privacyTitle.id = 'mk-privacy-title';
  privacy.appendChild(privacyTitle);
  var privacyList = el('ul', 'mk-privacy__list');
  privacyList.appendChild(el('li', null, 'Du skriver med kommunens digitale assistent, ikke med et menneske. Den kan tage fejl. Vil du tale med et menneske, så skriv det.'));
  privacyList.appendChild(el('li', null, 'Skriv ikke dit CPR-nummer. Chatten har ikke brug for det.'));
  privacyList.appendChild(el('li', null, 'Vi gemmer samtalen i højst ' + (m.retentionDays || 30) + ' dage. Derefter bliver den slettet.'));
  if (m.logReaders) { privacyList.appendChild(el('li', null, 'Samtalen kan læses af ' + m.logReaders + '.')); }
  privacy.appendChild(privacyList);
  if (m.privacyUrl) {
    var privacyMore = el('p', 'mk-privacy__more');
    privacyMore.appendChild(link(m.privacyUrl, 'Læs mere om dine oplysninger i chatten', false));
    privacy.appendChild(privacyMore);
  }
  body.appendChild(privacy);
  var log = el('ol', 'mk-log');
  log.setAttribute('aria-label', 'Samtale');
  body.appendChild(log);
  var typing = el('p', 'mk-typing');
  typing.hidden = true;
  typing.appendChild(el('span', 'mk-typing__dots')).setAttribute('aria-hidden', 'true');
  typing.appendChild(document.createTextNode(config.title + ' skriver …'));
  body.appendChild(typing);

  var announcer = el('div', 'mk-visually-hidden');
  announcer.setAttribute('aria-live', 'polite');
  announcer.id = 'mk-announcer';

  var form = el('form', 'mk-form');
  form.setAttribute('novalidate', '');
  var inputLabel = el('label', 'mk-form__label', 'Skriv dit spørgsmål');
  inputLabel.htmlFor = 'mk-input';
  var input = el('textarea', 'mk-input');
  input.id = 'mk-input';
  input.rows = 2;
  // The server accepts 4000 characters (bot/rasa_plugins/channels/socketio.py MAX_MESSAGE_LENGTH); the limit
  // is shown as it comes near, so a long answer is never cut off without the citizen seeing why.
  input.maxLength = MAX_CHARS;
  input.setAttribute('aria-describedby', 'mk-input-hint');
  input.autocomplete = 'off';
  var hint = el('p', 'mk-form__hint', 'Tryk Enter for at sende. Skriv ikke dit CPR-nummer.');
  hint.id = 'mk-input-hint';
  var HINT_TEXT = hint.textContent;
  input.addEventListener('input', function () {
    var left = MAX_CHARS - input.value.length;
    hint.textContent = left <= 500
      ? 'Du kan skrive ' + left + ' tegn mere i denne besked. Resten kan du skrive i en ny besked.'
      : HINT_TEXT;
  });
  var sendButton = el('button', 'mk-button mk-button--primary', 'Send');
  sendButton.type = 'submit';
  var inputRow = el('div', 'mk-form__row');
  inputRow.appendChild(input);
  inputRow.appendChild(sendButton);
  form.appendChild(inputLabel);
  form.appendChild(inputRow);
  form.appendChild(hint);

  var footer = el('div', 'mk-footer');
  var contact = el('p', 'mk-footer__contact');
  contact.appendChild(el('strong', null, 'Skriv til eller ring til kommunen: '));
  if (m.contactUrl) { contact.appendChild(link(m.contactUrl, 'Skriv sikkert', true)); }
  if (m.phone && m.phoneUri) {
    contact.appendChild(document.createTextNode(' · '));
    contact.appendChild(link(m.phoneUri, 'Ring ' + m.phone, false));
  }
  if (m.openingHours) { contact.appendChild(el('span', 'mk-footer__hours', ' (' + m.openingHours + ')')); }
  footer.appendChild(contact);
  if (m.accessibilityUrl) {
    var a11y = el('p', 'mk-footer__a11y');
    a11y.appendChild(link(m.accessibilityUrl, 'Tilgængelighedserklæring', false));
    footer.appendChild(a11y);
  }

  panel.appendChild(header);
  panel.appendChild(status);
  panel.appendChild(body);
  panel.appendChild(form);
  panel.appendChild(footer);
  panel.appendChild(announcer);
  root.appendChild(launcher);
  root.appendChild(panel);

  // --- rendering conversation items ---------------------------------------------------------
  function nextId() { counter += 1; return Date.now().toString(36) + '-' + counter; }

  function statusText(item) {
    if (item.status === 'queued') { return 'Venter på forbindelse. Sendes, når forbindelsen er tilbage.'; }
    if (item.status === 'failed') { return 'Ikke sendt – prøv igen.'; }
    return '';
  }

  function renderItem(item) {
    var li = el('li', 'mk-msg mk-msg--' + item.kind);
    li.setAttribute('data-id', item.id);
    if (item.kind === 'info') {
      li.appendChild(el('p', 'mk-info', item.text));
      return li;
    }
    li.appendChild(hiddenText(item.kind === 'bot' ? config.title + ' skriver: ' : 'Du skrev: '));
    var bubble = el('p', 'mk-bubble');
    appendText(bubble, item.text);
    li.appendChild(bubble);
    if (item.kind === 'user' && item.status && item.status !== 'sent') {
      li.classList.add('mk-msg--' + item.status);
      li.appendChild(el('p', 'mk-msg__status', statusText(item)));
      if (item.status === 'failed') {
        var retry = el('button', 'mk-button mk-button--small', 'Prøv igen');
        retry.type = 'button';
        retry.setAttribute('aria-label', 'Prøv igen: ' + item.text);
        retry.addEventListener('click', function () { retrySend(item.id); });
        li.appendChild(retry);
      }
    }
    if (item.kind === 'bot' && item.replies && item.replies.length) {
      var group = el('div', 'mk-replies');
      group.setAttribute('role', 'group');
      group.setAttribute('aria-label', 'Svarmuligheder');
      item.replies.forEach(function (reply) {
        var button = el('button', 'mk-button mk-reply', reply.title);
        button.type = 'button';
        if (item.chosen !== undefined && item.chosen !== null) {
          button.disabled = true;
          if (reply.title === item.chosen) {
            button.classList.add('mk-reply--chosen');
            button.appendChild(hiddenText(' (valgt)'));
          }
        }
        button.addEventListener('click', function () { chooseReply(item.id, reply); });
        group.appendChild(button);
      });
      li.appendChild(group);
    }
    if (item.kind === 'bot' && item.note) {
      var print = el('button', 'mk-button mk-button--small mk-print', 'Udskriv notat');
      print.type = 'button';
      print.addEventListener('click', function () { printItem(li); });
      li.appendChild(print);
    }
    return li;
  }

  function renderAll() {
    while (log.firstChild) { log.removeChild(log.firstChild); }
    state.items.forEach(function (item) { log.appendChild(renderItem(item)); });
    if (state.items.length) { scrollToEnd(); }
  }

  function replaceItem(item) {
    var old = log.querySelector('[data-id="' + item.id + '"]');
    var fresh = renderItem(item);
    if (old) { log.replaceChild(fresh, old); } else { log.appendChild(fresh); }
    return fresh;
  }

  function findItem(id) {
    for (var i = 0; i < state.items.length; i += 1) { if (state.items[i].id === id) { return state.items[i]; } }
    return null;
  }

  function reducedMotion() {
    return Boolean(window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches);
  }

  function scrollBodyTo(top) {
    if (body.scrollTo) { body.scrollTo({ top: top, behavior: reducedMotion() ? 'auto' : 'smooth' }); }
    else { body.scrollTop = top; }
  }

  function scrollToEnd() { scrollBodyTo(body.scrollHeight); }

  /** Show a new answer from its beginning (long answers are read from the top). */
  function scrollToItem(node) { scrollBodyTo(Math.max(0, node.offsetTop - 8)); }

  function addItem(item, announce) {
    state.items.push(item);
    saveState();
    var node = log.appendChild(renderItem(item));
    if (item.kind !== 'bot') { scrollToEnd(); } else if (scrollToNextAnswer) { scrollToItem(node); }
    if (item.kind === 'bot') { scrollToNextAnswer = false; }
    if (announce) { announceText(announce); }
  }

  function announceText(text) {
    announcer.appendChild(el('p', null, text));
    while (announcer.childNodes.length > 5) { announcer.removeChild(announcer.firstChild); }
  }

  function setStatus(kind) {
    var texts = {
      connecting: 'Forbinder …',
      online: '',
      offline: 'Forbindelsen er afbrudt. Vi prøver at forbinde igen. Det, du skriver, bliver sendt, når forbindelsen er tilbage.',
      back: 'Forbindelsen er tilbage.'
    };
    status.textContent = texts[kind] || '';
    status.className = 'mk-status mk-status--' + kind;
    root.setAttribute('data-connection', kind);
    if (kind === 'back') {
      window.setTimeout(function () { if (status.textContent === texts.back) { setStatus('online'); } }, 4000);
    }
  }

  function showTyping(on) {
    typing.hidden = !on;
    window.clearTimeout(typingTimer);
    if (on) {
      typingTimer = window.setTimeout(function () { typing.hidden = true; }, TYPING_TIMEOUT_MS);
      scrollToEnd();
    }
  }

  // --- the connection -----------------------------------------------------------------------
  function metadata() { return config.token ? { auth_token: config.token } : {}; }

  function connect() {
    if (socket) { return; }
    if (!config.serverUrl) { setStatus('offline'); return; }
    if (typeof window.io !== 'function') { setStatus('connecting'); return; } // still loading
    setStatus('connecting');
    socket = window.io(config.serverUrl, {
      path: config.socketPath,
      transports: ['websocket', 'polling'],
      tryAllTransports: true,
      // Sends the proxy's MOEDEKLAR_RASA cookie, so the polling fallback stays on one Rasa server.
      withCredentials: true,
      reconnectionDelay: 1000,
      reconnectionDelayMax: 4000,
      timeout: 8000
    });
    var wasOffline = false;
    socket.on('connect', function () {
      sessionReady = false;
      socket.emit('session_request', { session_id: state.sessionId, metadata: metadata() });
    });
    socket.on('session_confirm', function (sessionId) {
      var id = typeof sessionId === 'string' ? sessionId : (sessionId && sessionId.session_id);
      if (!id) { return; }
      if (state.sessionId && id !== state.sessionId && state.items.length) {
        // The server did not continue the stored conversation (e.g. after logging out).
        state.items = state.items.filter(function (item) { return item.kind === 'user' && item.status !== 'sent'; });
        state.items.unshift({ id: nextId(), kind: 'info', text: 'Du er i en ny samtale. Den tidligere samtale kan ikke vises her.' });
        renderAll();
      }
      state.sessionId = id;
      sessionReady = true;
      saveState();
      setStatus(wasOffline ? 'back' : 'online');
      wasOffline = false;
      flushQueue();
    });
    socket.on('session_invalid', function (data) {
      var reason = data && data.reason;
      var last = null;
      state.items.forEach(function (item) { if (item.kind === 'user' && item.status === 'sent') { last = item; } });
      showTyping(false);
      if (reason === 'bad_message') { // refused message only; the conversation goes on
        if (last) { last.status = 'failed'; replaceItem(last); saveState(); }
        return;
      }
      sessionReady = false;
      if (reason === 'no_session') { // the server lost this socket's session: ask again, resend
        if (last) { last.status = 'queued'; last.queuedAt = Date.now(); replaceItem(last); }
        saveState();
        socket.emit('session_request', { session_id: state.sessionId, metadata: metadata() });
        return;
      }
      // The identity changed (login expired or another login): never continue that conversation.
      state.items = last ? [last] : [];
      if (last) { last.status = 'failed'; }
      state.items.unshift({ id: nextId(), kind: 'info', text: 'Din samtale er startet forfra, fordi dit login er udløbet eller ændret. Log ind igen, hvis du vil se dine egne oplysninger.' });
      state.sessionId = null;
      saveState();
      renderAll();
      announceText('Din samtale er startet forfra.');
      socket.emit('session_request', { session_id: null, metadata: metadata() });
    });
    socket.on('bot_uttered', receive);
    socket.on('disconnect', function (reason) {
      sessionReady = false;
      if (reason === 'io client disconnect') { return; }
      wasOffline = true;
      showTyping(false);
      setStatus('offline');
    });
    socket.on('connect_error', function () {
      wasOffline = true;
      setStatus('offline');
    });
  }

  function receive(data) {
    if (!data || typeof data !== 'object') { return; }
    if (data.custom !== undefined) { receiveCustom(data.custom); }
    var text = typeof data.text === 'string' ? data.text : null;
    if (text === null && data.attachment) { text = 'Chatten sendte noget, som ikke kan vises her.'; }
    if (text === null) { return; }
    showTyping(false);
    var replies = Array.isArray(data.quick_replies) ? data.quick_replies : (Array.isArray(data.buttons) ? data.buttons : []);
    replies = replies.filter(function (r) { return r && typeof r.title === 'string'; })
      .map(function (r) { return { title: r.title, payload: typeof r.payload === 'string' ? r.payload : r.title }; });
    var item = { id: nextId(), kind: 'bot', text: text, replies: replies, chosen: null };
    var spoken = text + (replies.length ? ' Der er ' + replies.length + ' svarmuligheder.' : '');
    addItem(item, spoken);
  }

  function receiveCustom(custom) {
    var ours = custom && typeof custom === 'object' ? custom.moedeklar : null;
    if (!ours || ours.kind !== 'preparation_note') { return; } // unknown payloads are ignored
    for (var i = state.items.length - 1; i >= 0; i -= 1) {
      if (state.items[i].kind === 'bot') {
        state.items[i].note = true;
        saveState();
        replaceItem(state.items[i]);
        announceText('Du kan udskrive notatet.');
        return;
      }
    }
  }

  function emitItem(item) {
    socket.emit('user_uttered', { message: item.payload || item.text, session_id: state.sessionId, metadata: metadata() });
    item.status = 'sent';
    replaceItem(item);
    scrollToNextAnswer = true;
    showTyping(true);
  }

  function flushQueue() {
    var now = Date.now();
    var pending = false;
    state.items.forEach(function (item) {
      if (item.kind !== 'user' || item.status !== 'queued') { return; }
      if (socket && socket.connected && sessionReady) { emitItem(item); return; }
      if (now - (item.queuedAt || now) > QUEUE_GIVE_UP_MS) {
        item.status = 'failed';
        replaceItem(item);
        return;
      }
      pending = true;
    });
    saveState();
    window.clearTimeout(queueTimer);
    if (pending) { queueTimer = window.setTimeout(flushQueue, 5000); }
  }

  function send(text, payload) {
    var clean = String(text || '').trim();
    if (!clean) { return; }
    while (announcer.firstChild) { announcer.removeChild(announcer.firstChild); }
    var item = { id: nextId(), kind: 'user', text: clean, payload: payload || clean, status: 'queued', queuedAt: Date.now() };
    addItem(item, null);
    connect();
    flushQueue();
  }

  function retrySend(id) {
    var item = findItem(id);
    if (!item) { return; }
    item.status = 'queued';
    item.queuedAt = Date.now();
    replaceItem(item);
    input.focus();
    flushQueue();
  }

  function chooseReply(id, reply) {
    var item = findItem(id);
    if (!item || (item.chosen !== null && item.chosen !== undefined)) { return; }
    item.chosen = reply.title;
    replaceItem(item);
    input.focus();
    send(reply.title, reply.payload);
  }

  function printItem(li) {
    var html = document.documentElement;
    li.classList.add('mk-print-target');
    html.classList.add('mk-printing');
    var done = function () {
      li.classList.remove('mk-print-target');
      html.classList.remove('mk-printing');
      window.removeEventListener('afterprint', done);
    };
    window.addEventListener('afterprint', done);
    window.print();
  }

  // --- opening, closing, restarting ---------------------------------------------------------
  function open(focusInput) {
    panel.hidden = false;
    root.classList.add('mk-root--open');
    launcher.setAttribute('aria-expanded', 'true');
    state.open = true;
    saveState();
    connect();
    if (state.items.length) { scrollToEnd(); } else { body.scrollTop = 0; } // privacy note first
    if (focusInput !== false) { input.focus(); }
  }

  function close() {
    panel.hidden = true;
    root.classList.remove('mk-root--open');
    launcher.setAttribute('aria-expanded', 'false');
    state.open = false;
    saveState();
    launcher.focus();
  }

  function restart() {
    state = emptyState();
    state.open = true;
    sessionReady = false;
    showTyping(false);
    renderAll();
    addItem({ id: nextId(), kind: 'info', text: 'Du er i en ny samtale.' }, 'Du er i en ny samtale.');
    if (socket && socket.connected) {
      socket.emit('session_request', { session_id: null, metadata: metadata() });
    } else {
      connect();
    }
    input.focus();
  }

  launcher.addEventListener('click', function () { open(true); });
  closeButton.addEventListener('click', close);
  restartButton.addEventListener('click', restart);
  panel.addEventListener('keydown', function (event) {
    if (event.key === 'Escape') { event.preventDefault(); close(); }
  });
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var text = input.value;
    if (!text.trim()) { input.focus(); return; }
    input.value = '';
    hint.textContent = HINT_TEXT;
    send(text);
    input.focus();
  });
  input.addEventListener('keydown', function (event) {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      if (form.requestSubmit) { form.requestSubmit(); } else { sendButton.click(); }
    }
  });

  // --- start --------------------------------------------------------------------------------
  function loadStylesheet() {
    var css = document.createElement('link');
    css.rel = 'stylesheet';
    css.href = baseUrl + 'moedeklar-widget.css';
    document.head.appendChild(css);
  }

  function loadSocketIo(done) {
    if (typeof window.io === 'function') { done(); return; }
    var tag = document.createElement('script');
    tag.src = config.socketIoSrc || (baseUrl + 'vendor/socket.io.min.js');
    tag.onload = done;
    tag.onerror = function () { setStatus('offline'); };
    document.head.appendChild(tag);
  }

  function start() {
    loadStylesheet();
    document.body.appendChild(root);
    renderAll();
    loadSocketIo(function () {
      if (state.sessionId || state.open || state.items.length) { connect(); }
    });
    if (state.open) { open(false); }
  }

  window.MoedeklarWidget = { open: open, close: close, restart: restart };
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
}());
