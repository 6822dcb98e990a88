/*
 * Mødeklar chat widget: a small, dependency-light chat for a municipality's web page.
 *
 * Owns the citizen-facing chat: opening and closing, the privacy note, sending messages over
 * Rasa's socket.io channel (official socket.io client, loaded from the same folder), showing
 * replies as text only, quick-reply buttons, the typing indicator, the connection state with a
 * queue for messages typed while offline, "Start forfra", and the printable preparation note.
 *
 * Languages: every label is in Danish or English (`state.language`, kept with the conversation).
 * The texts come from the config block (`texts: {da: {...}, en: {...}}`, from
 * data/widget_texts.yml); without them the built-in Danish below is used and no language button
 * is shown. The language button sends `/switch_language{"language": ...}`; every message carries
 * `metadata.language`; a bot message carries `lang` ("da"/"en"), which is set on its element and
 * which the labels follow (the conversation's language is the one the citizen last wrote).
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
  var DANISH = 'da';
  var ENGLISH = 'en';
  // The widget's Danish texts, for a page whose config block has no `texts`. The same as the
  // Danish of data/widget_texts.yml (tests/unit/test_widget_texts.py checks it): change both.
  // {title}, {name}, {left}, {count} and {text} are filled here; the municipality's placeholders
  // from config.municipality.
  var BUILT_IN_DANISH = /* widget-texts:begin */{
    "launcher": "Chat med {title}",
    "subtitle": "Spørg om ressourceforløb",
    "logged_in": "Logget ind",
    "logged_in_as": "som {name}",
    "you": "dig",
    "not_logged_in": "Ikke logget ind",
    "general_answers": "Du får generelle svar.",
    "language_button": "English",
    "restart": "Start forfra",
    "close": "Luk",
    "close_label": "Luk chatten",
    "privacy_title": "Før du skriver",
    "privacy_assistant": "Du skriver med kommunens digitale assistent, ikke med et menneske. Den kan tage fejl. Vil du tale med et menneske, så skriv det.",
    "privacy_cpr": "Skriv ikke dit CPR-nummer. Chatten har ikke brug for det.",
    "privacy_retention": "Vi gemmer samtalen i højst {retention_days} dage. Derefter bliver den slettet.",
    "privacy_readers": "Samtalen kan læses af {readers}.",
    "privacy_more": "Læs mere om dine oplysninger i chatten",
    "new_window": "(åbner i et nyt vindue)",
    "log_label": "Samtale",
    "bot_wrote": "{title} skriver:",
    "you_wrote": "Du skrev:",
    "typing": "{title} skriver …",
    "replies_label": "Svarmuligheder",
    "replies_count": "Der er {count} svarmuligheder.",
    "chosen": "(valgt)",
    "unsupported": "Chatten sendte noget, som ikke kan vises her.",
    "queued": "Venter på forbindelse. Sendes, når forbindelsen er tilbage.",
    "failed": "Ikke sendt – prøv igen.",
    "retry": "Prøv igen",
    "retry_label": "Prøv igen: {text}",
    "new_conversation": "Du er i en ny samtale.",
    "new_conversation_no_history": "Du er i en ny samtale. Den tidligere samtale kan ikke vises her.",
    "login_changed": "Din samtale er startet forfra, fordi dit login er udløbet eller ændret. Log ind igen, hvis du vil se dine egne oplysninger.",
    "login_changed_short": "Din samtale er startet forfra.",
    "print_note": "Udskriv notat",
    "note_ready": "Du kan udskrive notatet.",
    "input_label": "Skriv dit spørgsmål",
    "input_hint": "Tryk Enter for at sende. Skriv ikke dit CPR-nummer.",
    "chars_left": "Du kan skrive {left} tegn mere i denne besked. Resten kan du skrive i en ny besked.",
    "send": "Send",
    "status_connecting": "Forbinder …",
    "status_offline": "Forbindelsen er afbrudt. Vi prøver at forbinde igen. Det, du skriver, bliver sendt, når forbindelsen er tilbage.",
    "status_back": "Forbindelsen er tilbage.",
    "contact": "Skriv til eller ring til kommunen:",
    "contact_write": "Skriv sikkert",
    "contact_call": "Ring {phone}",
    "contact_hours": "({opening_hours})",
    "accessibility": "Tilgængelighedserklæring"
  }/* widget-texts:end */;
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
    config.subtitle = config.subtitle || ''; // the page's own subtitle, in every language
    config.municipality = config.municipality || {};
    config.socketPath = config.socketPath || '/socket.io';
    return config;
  }

  var config = readConfig();
  var m = config.municipality;
  var owner = config.token ? (config.citizenName || 'borger') : null;

  // --- texts in the widget's language --------------------------------------------------------
  function languageCode(value) { return value === ENGLISH ? ENGLISH : DANISH; }

  function readTexts(raw) {
    var result = { da: BUILT_IN_DANISH };
    if (raw && typeof raw === 'object') {
      [DANISH, ENGLISH].forEach(function (language) {
        if (raw[language] && typeof raw[language] === 'object') { result[language] = raw[language]; }
      });
    }
    return result;
  }

  var texts = readTexts(config.texts);

  /** The language the labels are shown in: the conversation's, if the page has its texts. */
  function labelLanguage() { return texts[state.language] ? state.language : DANISH; }

  function otherLanguage() { return labelLanguage() === ENGLISH ? DANISH : ENGLISH; }

  function fill(template, values) {
    var known = {
      title: config.title,
      retention_days: m.retentionDays || 30,
      readers: m.logReaders || '',
      phone: m.phone || '',
      opening_hours: m.openingHours || ''
    };
    Object.keys(values || {}).forEach(function (name) { known[name] = values[name]; });
    return String(template).replace(/\{([a-z_]+)\}/g, function (match, name) {
      return Object.prototype.hasOwnProperty.call(known, name) ? String(known[name]) : match;
    });
  }

  /** The text `key` in the widget's language, its placeholders filled from `values`. */
  function t(key, values) {
    var table = texts[labelLanguage()];
    var template = typeof table[key] === 'string' ? table[key]
      : (typeof texts.da[key] === 'string' ? texts.da[key] : (BUILT_IN_DANISH[key] || ''));
    return fill(template, values);
  }

  // --- stored conversation (sessionStorage: this tab only) ----------------------------------
  function emptyState() { return { sessionId: null, owner: owner, open: false, items: [], language: DANISH }; }

  function loadState() {
    try {
      var raw = window.sessionStorage.getItem(STORAGE_KEY);
      var stored = raw ? JSON.parse(raw) : null;
      if (stored && stored.owner === owner && Array.isArray(stored.items)) {
        stored.language = languageCode(stored.language);
        return stored;
      }
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
      a.appendChild(hiddenText(' ' + t('new_window')));
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

  var launcher = el('button', 'mk-launcher');
  launcher.type = 'button';
  launcher.id = 'mk-launcher';
  launcher.setAttribute('aria-expanded', 'false');
  launcher.setAttribute('aria-controls', 'mk-panel');
  launcher.appendChild(chatIcon());
  var launcherLabel = el('span', null);
  launcher.appendChild(launcherLabel);

  var panel = el('div', 'mk-panel');
  panel.id = 'mk-panel';
  panel.setAttribute('role', 'dialog');
  panel.setAttribute('aria-labelledby', 'mk-title');
  panel.hidden = true;

  var header = el('div', 'mk-header');
  var headings = el('div', 'mk-header__text');
  var titleRow = el('div', 'mk-title-row');
  var title = el('h2', 'mk-title', config.title);
  title.id = 'mk-title';
  titleRow.appendChild(title);
  // Beside the title: the other language, in that language ("English" / "Dansk"); only with
  // texts for both languages.
  var languageButton = el('button', 'mk-button mk-button--quiet mk-language');
  languageButton.type = 'button';
  languageButton.hidden = !texts[ENGLISH];
  titleRow.appendChild(languageButton);
  headings.appendChild(titleRow);
  var subtitle = el('p', 'mk-subtitle');
  headings.appendChild(subtitle);
  var identity = el('p', 'mk-identity');
  headings.appendChild(identity);
  header.appendChild(headings);
  var headerButtons = el('div', 'mk-header__buttons');
  var restartButton = el('button', 'mk-button mk-button--quiet');
  restartButton.type = 'button';
  var closeButton = el('button', 'mk-button mk-button--quiet');
  closeButton.type = 'button';
  headerButtons.appendChild(restartButton);
  headerButtons.appendChild(closeButton);
  header.appendChild(headerButtons);

  var status = el('p', 'mk-status');
  status.setAttribute('role', 'status');

  var body = el('div', 'mk-body');
  body.tabIndex = -1;
  var privacy = el('section', 'mk-privacy');
  privacy.setAttribute('aria-labelledby', 'mk-privacy-title');
  var privacyTitle = el('h3', 'mk-privacy__title');
  privacyTitle.id = 'mk-privacy-title';
  privacy.appendChild(privacyTitle);
  var privacyList = el('ul', 'mk-privacy__list');
  privacy.appendChild(privacyList);
  var privacyMore = el('p', 'mk-privacy__more');
  if (m.privacyUrl) { privacy.appendChild(privacyMore); }
  body.appendChild(privacy);
  var log = el('ol', 'mk-log');
  body.appendChild(log);
  var typing = el('p', 'mk-typing');
  typing.hidden = true;
  typing.appendChild(el('span', 'mk-typing__dots')).setAttribute('aria-hidden', 'true');
  var typingText = document.createTextNode('');
  typing.appendChild(typingText);
  body.appendChild(typing);

  var announcer = el('div', 'mk-visually-hidden');
  announcer.setAttribute('aria-live', 'polite');
  announcer.id = 'mk-announcer';

  var form = el('form', 'mk-form');
  form.setAttribute('novalidate', '');
  var inputLabel = el('label', 'mk-form__label');
  inputLabel.htmlFor = 'mk-input';
  var input = el('textarea', 'mk-input');
  input.id = 'mk-input';
  input.rows = 2;
  // The server accepts 4000 characters (bot/rasa_plugins/channels/socketio.py MAX_MESSAGE_LENGTH); the limit
  // is shown as it comes near, so a long answer is never cut off without the citizen seeing why.
  input.maxLength = MAX_CHARS;
  input.setAttribute('aria-describedby', 'mk-input-hint');
  input.autocomplete = 'off';
  var hint = el('p', 'mk-form__hint');
  hint.id = 'mk-input-hint';
  function showHint() {
    var left = MAX_CHARS - input.value.length;
    hint.textContent = left <= 500 ? t('chars_left', { left: left }) : t('input_hint');
  }
  input.addEventListener('input', showHint);
  var sendButton = el('button', 'mk-button mk-button--primary');
  sendButton.type = 'submit';
  var inputRow = el('div', 'mk-form__row');
  inputRow.appendChild(input);
  inputRow.appendChild(sendButton);
  form.appendChild(inputLabel);
  form.appendChild(inputRow);
  form.appendChild(hint);

  var footer = el('div', 'mk-footer');
  var contact = el('p', 'mk-footer__contact');
  footer.appendChild(contact);
  var a11y = el('p', 'mk-footer__a11y');
  if (m.accessibilityUrl) { footer.appendChild(a11y); }

  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }

  /** Every label of the widget in the widget's language (the conversation items: renderAll). */
  function applyTexts() {
    var language = labelLanguage();
    root.lang = language;
    root.setAttribute('lang', language);
    launcherLabel.textContent = t('launcher');
    subtitle.textContent = config.subtitle || t('subtitle');
    clear(identity);
    if (config.token) {
      identity.appendChild(el('span', 'mk-badge mk-badge--in', t('logged_in')));
      identity.appendChild(document.createTextNode(' ' + t('logged_in_as', { name: config.citizenName || t('you') })));
    } else {
      identity.appendChild(el('span', 'mk-badge mk-badge--out', t('not_logged_in')));
      identity.appendChild(document.createTextNode(' ' + t('general_answers')));
    }
    languageButton.textContent = t('language_button');
    languageButton.lang = otherLanguage();
    restartButton.textContent = t('restart');
    closeButton.textContent = t('close');
    closeButton.setAttribute('aria-label', t('close_label'));
    privacyTitle.textContent = t('privacy_title');
    clear(privacyList);
    privacyList.appendChild(el('li', null, t('privacy_assistant')));
    privacyList.appendChild(el('li', null, t('privacy_cpr')));
    privacyList.appendChild(el('li', null, t('privacy_retention')));
    if (m.logReaders) { privacyList.appendChild(el('li', null, t('privacy_readers'))); }
    clear(privacyMore);
    if (m.privacyUrl) { privacyMore.appendChild(link(m.privacyUrl, t('privacy_more'), false)); }
    log.setAttribute('aria-label', t('log_label'));
    typingText.textContent = t('typing');
    inputLabel.textContent = t('input_label');
    showHint();
    sendButton.textContent = t('send');
    clear(contact);
    contact.appendChild(el('strong', null, t('contact') + ' '));
    if (m.contactUrl) { contact.appendChild(link(m.contactUrl, t('contact_write'), true)); }
    if (m.phone && m.phoneUri) {
      contact.appendChild(document.createTextNode(' · '));
      contact.appendChild(link(m.phoneUri, t('contact_call'), false));
    }
    if (m.openingHours) { contact.appendChild(el('span', 'mk-footer__hours', ' ' + t('contact_hours'))); }
    clear(a11y);
    if (m.accessibilityUrl) { a11y.appendChild(link(m.accessibilityUrl, t('accessibility'), false)); }
    showStatus();
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
    if (item.status === 'queued') { return t('queued'); }
    if (item.status === 'failed') { return t('failed'); }
    return '';
  }

  /** A widget label inside a bot message: in the widget's language, also where the message is not. */
  function label(node, item) {
    if (item.lang && item.lang !== labelLanguage()) { node.setAttribute('lang', labelLanguage()); }
    return node;
  }

  function renderItem(item) {
    var li = el('li', 'mk-msg mk-msg--' + item.kind);
    li.setAttribute('data-id', item.id);
    if (item.kind === 'info') { // its text is a key, so it follows the language (older items: text)
      li.appendChild(el('p', 'mk-info', item.key ? t(item.key) : item.text));
      return li;
    }
    // A bot message is marked with its own language, so screen readers read it in that language.
    // The citizen's own messages are not marked.
    if (item.kind === 'bot' && item.lang) { li.setAttribute('lang', item.lang); }
    li.appendChild(label(hiddenText((item.kind === 'bot' ? t('bot_wrote') : t('you_wrote')) + ' '), item));
    var bubble = el('p', 'mk-bubble');
    appendText(bubble, item.key ? t(item.key) : item.text);
    li.appendChild(bubble);
    if (item.kind === 'user' && item.status && item.status !== 'sent') {
      li.classList.add('mk-msg--' + item.status);
      li.appendChild(el('p', 'mk-msg__status', statusText(item)));
      if (item.status === 'failed') {
        var retry = el('button', 'mk-button mk-button--small', t('retry'));
        retry.type = 'button';
        retry.setAttribute('aria-label', t('retry_label', { text: item.text }));
        retry.addEventListener('click', function () { retrySend(item.id); });
        li.appendChild(retry);
      }
    }
    if (item.kind === 'bot' && item.replies && item.replies.length) {
      var group = el('div', 'mk-replies');
      group.setAttribute('role', 'group');
      label(group, item).setAttribute('aria-label', t('replies_label'));
      item.replies.forEach(function (reply) {
        var button = el('button', 'mk-button mk-reply', reply.title);
        button.type = 'button';
        // The buttons are the bot's words, in its language (the group's label is the widget's).
        if (item.lang && item.lang !== labelLanguage()) { button.setAttribute('lang', item.lang); }
        if (item.chosen !== undefined && item.chosen !== null) {
          button.disabled = true;
          if (reply.title === item.chosen) {
            button.classList.add('mk-reply--chosen');
            button.appendChild(label(hiddenText(' ' + t('chosen')), item));
          }
        }
        button.addEventListener('click', function () { chooseReply(item.id, reply); });
        group.appendChild(button);
      });
      li.appendChild(group);
    }
    if (item.kind === 'bot' && item.note) {
      var print = label(el('button', 'mk-button mk-button--small mk-print', t('print_note')), item);
      print.type = 'button';
      print.addEventListener('click', function () { printItem(li); });
      li.appendChild(print);
    }
    return li;
  }

  function renderAll() {
    clear(log);
    state.items.forEach(function (item) { log.appendChild(renderItem(item)); });
    if (state.items.length) { scrollToEnd(); }
  }

  /** Show everything in the widget's (new) language, keeping focus and scroll position. */
  function relabel() {
    var active = document.activeElement;
    var activeItem = active && log.contains(active) ? active.closest('[data-id]') : null;
    var controls = activeItem ? Array.prototype.slice.call(activeItem.querySelectorAll('button, a')) : [];
    var index = controls.indexOf(active);
    var top = body.scrollTop;
    applyTexts();
    clear(log);
    state.items.forEach(function (item) { log.appendChild(renderItem(item)); });
    body.scrollTop = top;
    if (activeItem && index >= 0) {
      var fresh = log.querySelector('[data-id="' + activeItem.getAttribute('data-id') + '"]');
      var target = fresh ? fresh.querySelectorAll('button, a')[index] : null;
      if (target) { target.focus(); }
    }
  }

  /** Switch the widget to `language` ("da" or "en"); true when it changed. */
  function setLanguage(language) {
    var code = languageCode(language);
    if (code === state.language) { return false; }
    state.language = code;
    saveState();
    relabel();
    return true;
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
    if (announce) { announceText(announce, item.lang); }
  }

  /** Read `text` out (aria-live); `lang` when it is a bot message's text in its own language. */
  function announceText(text, lang) {
    var line = el('p', null, text);
    if (lang) { line.setAttribute('lang', lang); }
    announcer.appendChild(line);
    while (announcer.childNodes.length > 5) { announcer.removeChild(announcer.firstChild); }
  }

  var STATUS_TEXTS = { connecting: 'status_connecting', offline: 'status_offline', back: 'status_back' };
  var statusKind = null;

  function showStatus() {
    if (statusKind === null) { return; }
    status.textContent = STATUS_TEXTS[statusKind] ? t(STATUS_TEXTS[statusKind]) : '';
  }

  function setStatus(kind) {
    statusKind = kind;
    showStatus();
    status.className = 'mk-status mk-status--' + kind;
    root.setAttribute('data-connection', kind);
    if (kind === 'back') {
      window.setTimeout(function () { if (statusKind === 'back') { setStatus('online'); } }, 4000);
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
  /** What goes with every message: the login token, if any, and the widget's language. */
  function metadata(language) {
    var data = config.token ? { auth_token: config.token } : {};
    data.language = languageCode(language || state.language);
    return data;
  }

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
        state.items.unshift({ id: nextId(), kind: 'info', key: 'new_conversation_no_history' });
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
      state.items.unshift({ id: nextId(), kind: 'info', key: 'login_changed' });
      state.sessionId = null;
      saveState();
      renderAll();
      announceText(t('login_changed_short'));
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
    var key = null;
    if (text === null && data.attachment) { key = 'unsupported'; }
    if (text === null && key === null) { return; }
    showTyping(false);
    // The server says which language the message is in; the labels follow the conversation.
    var lang = data.lang === DANISH || data.lang === ENGLISH ? data.lang : null;
    if (lang) { setLanguage(lang); }
    var replies = Array.isArray(data.quick_replies) ? data.quick_replies : (Array.isArray(data.buttons) ? data.buttons : []);
    replies = replies.filter(function (r) { return r && typeof r.title === 'string'; })
      .map(function (r) { return { title: r.title, payload: typeof r.payload === 'string' ? r.payload : r.title }; });
    var item = key
      ? { id: nextId(), kind: 'bot', key: key, replies: replies, chosen: null }
      : { id: nextId(), kind: 'bot', text: text, replies: replies, chosen: null, lang: lang };
    var spoken = (key ? t(key) : text) + (replies.length ? ' ' + t('replies_count', { count: replies.length }) : '');
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
        announceText(t('note_ready'));
        return;
      }
    }
  }

  function emitItem(item) {
    socket.emit('user_uttered', { message: item.payload || item.text, session_id: state.sessionId, metadata: metadata(item.language) });
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
    var item = {
      id: nextId(), kind: 'user', text: clean, payload: payload || clean, status: 'queued', queuedAt: Date.now(),
      language: state.language
    };
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
    var language = state.language; // the citizen's language stays
    state = emptyState();
    state.language = language;
    state.open = true;
    sessionReady = false;
    showTyping(false);
    renderAll();
    addItem({ id: nextId(), kind: 'info', key: 'new_conversation' }, t('new_conversation'));
    if (socket && socket.connected) {
      socket.emit('session_request', { session_id: null, metadata: metadata() });
    } else {
      connect();
    }
    input.focus();
  }

  /** The language button: labels at once, and the conversation is told (the bot confirms). */
  function switchLanguage() {
    var shown = languageButton.textContent;
    var language = otherLanguage();
    setLanguage(language);
    send(shown, '/switch_language' + JSON.stringify({ language: language }));
    languageButton.focus();
  }

  launcher.addEventListener('click', function () { open(true); });
  languageButton.addEventListener('click', switchLanguage);
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
    showHint();
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
    applyTexts();
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
