// CleanSpace Pro — public site: services, quote form, contact form and the booking chat.
// Vanilla ES2020, loaded with `defer`. CSP-safe: no inline styles or handlers, and every
// piece of server or user text goes into the page through textContent, never as HTML.
'use strict';

// ---------- Constants ----------
const CHAT_MAX_CHARS = 2000;
const SESSION_KEY = 'cleanspace.chat.sessionId';
const OPEN_KEY = 'cleanspace.chat.open';
const serviceNames = new Map([
  ['standard', 'Standard cleaning'], ['deep', 'Deep cleaning'],
  ['move_in_out', 'Move-in / move-out cleaning'], ['office', 'Office / commercial cleaning'],
  ['carpet', 'Carpet cleaning'], ['windows', 'Window washing'], ['estimate', 'Free on-site estimate'],
]);

// ---------- DOM helpers ----------
function $(id) { return document.getElementById(id); }

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

// ---------- Formatting ----------
function formatMoney(amount) {
  if (typeof amount !== 'number' || !Number.isFinite(amount)) return '';
  const digits = Number.isInteger(amount) ? 0 : 2;
  return new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: digits })
    .format(amount);
}

function formatDate(isoDate) {
  if (typeof isoDate !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(isoDate)) return isoDate || '';
  // Noon UTC formatted in UTC: the calendar date never shifts with the visitor's zone.
  return new Date(`${isoDate}T12:00:00Z`).toLocaleDateString('en-US',
    { weekday: 'short', month: 'short', day: 'numeric', year: 'numeric', timeZone: 'UTC' });
}

function formatTime(hhmm) {
  const m = typeof hhmm === 'string' ? /^(\d{1,2}):(\d{2})/.exec(hhmm) : null;
  if (!m) return hhmm || '';
  const h = Number(m[1]);
  return `${h % 12 || 12}:${m[2]} ${h < 12 ? 'AM' : 'PM'}`;
}

function formatDuration(minutes) {
  if (typeof minutes !== 'number' || minutes <= 0) return '';
  const h = Math.floor(minutes / 60), m = minutes % 60;
  return [h ? `${h} h` : '', m ? `${m} min` : ''].filter(Boolean).join(' ');
}

// ---------- API client ----------
// Resolves (never rejects) to { ok, status, data, error }; status 0 means no network.
async function api(method, path, body) {
  const request = { method, headers: { Accept: 'application/json' } };
  if (body !== undefined) {
    request.headers['Content-Type'] = 'application/json';
    request.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, request);
  } catch (_) {
    return { ok: false, status: 0, data: null, error: null };
  }
  const json = await response.json().catch(() => null);
  return {
    ok: response.ok && json !== null && json.success !== false,
    status: response.status,
    data: json && json.data !== undefined ? json.data : null,
    error: json && json.error && typeof json.error === 'object' ? json.error : null,
  };
}

function errorText(result, fallback) {
  if (result.status === 0) return 'We could not reach the server. Please check your connection and retry.';
  if (result.status === 429) return "You're sending requests quickly — please wait a moment and try again.";
  if (result.status >= 500) return 'Something went wrong on our side. Please try again in a moment.';
  return (result.error && typeof result.error.message === 'string' && result.error.message) || fallback;
}

// ---------- Form field errors ----------
function markFieldError(form, field) {
  if (!field) return null;
  let input = form.elements.namedItem(field);
  if (input && !(input instanceof Element)) input = input[0]; // RadioNodeList (checkbox group)
  if (!input) return null;
  input.setAttribute('aria-invalid', 'true');
  return input;
}

function clearFieldErrors(form) {
  form.querySelectorAll('[aria-invalid="true"]').forEach((n) => n.removeAttribute('aria-invalid'));
}

function setStatus(node, kind, text) {
  node.classList.remove('is-success', 'is-error');
  if (kind) node.classList.add(`is-${kind}`);
  node.textContent = text || '';
}

// Shows a failed request's message and highlights the field the server named, if any.
function showRequestError(form, statusNode, result, fallback) {
  setStatus(statusNode, 'error', errorText(result, fallback));
  const field = markFieldError(form, result.error && result.error.field);
  if (field) field.focus();
}

// ---------- Services ----------
function renderServiceCard(service) {
  const card = el('li', 'card service-card');
  const name = service.name || serviceNames.get(service.code) || service.code || 'Cleaning service';
  card.append(el('h3', null, name));
  const { hourlyRate: rate, description, durationRule } = service;
  if (typeof rate === 'number') card.append(el('p', 'price', rate === 0 ? 'Free' : `${formatMoney(rate)}/hour`));
  if (typeof description === 'string' && description) card.append(el('p', null, description));
  if (typeof durationRule === 'string' && durationRule) {
    card.append(el('p', 'duration', `Duration: ${durationRule}`));
  }
  return card;
}

function fillServiceSelect(services) {
  const select = $('quote-service');
  const current = select.value;
  const usable = services.filter((s) => typeof s.code === 'string' && s.code);
  if (!usable.length) return;
  clear(select);
  usable.forEach((s) => {
    const option = el('option', null, s.name || serviceNames.get(s.code) || s.code);
    option.value = s.code;
    select.append(option);
  });
  if (usable.some((s) => s.code === current)) select.value = current;
}

async function loadServices() {
  const result = await api('GET', '/api/services');
  const services = result.ok && Array.isArray(result.data)
    ? result.data.filter((s) => s && typeof s === 'object') : [];
  if (!services.length) {
    $('services-status').hidden = false; // the static cards in index.html stay as the fallback list
    return;
  }
  services.forEach((s) => { if (s.code && s.name) serviceNames.set(s.code, s.name); });
  const list = $('services-list');
  clear(list);
  services.forEach((s) => list.append(renderServiceCard(s)));
  fillServiceSelect(services);
}

// ---------- Quote form ----------
function renderBreakdown(quote) {
  const table = el('table', 'breakdown');
  const body = el('tbody');
  (Array.isArray(quote.lines) ? quote.lines : []).forEach((line) => {
    if (!line) return;
    const row = el('tr');
    const amountClass = typeof line.amount === 'number' && line.amount < 0 ? 'negative' : null;
    row.append(el('td', null, line.label || ''), el('td', amountClass, formatMoney(line.amount)));
    body.append(row);
  });
  const total = el('tr', 'total');
  total.append(el('td', null, 'Total per visit'), el('td', null, formatMoney(quote.total)));
  body.append(total);
  table.append(body);
  return table;
}

function renderQuoteNotes(quote) {
  const notes = (Array.isArray(quote.notes) ? quote.notes : []).filter((n) => typeof n === 'string');
  const duration = formatDuration(quote.durationMinutes);
  if (duration) notes.unshift(`Estimated time on site: ${duration}.`);
  if (!notes.length) return null;
  const list = el('ul', 'quote-notes');
  notes.forEach((n) => list.append(el('li', null, n)));
  return list;
}

function quoteCard(quote, title, className) {
  const card = el('div', className);
  card.append(el('h3', null, title), renderBreakdown(quote));
  const notes = renderQuoteNotes(quote);
  if (notes) card.append(notes);
  return card;
}

function readQuoteForm(form) {
  const body = { serviceType: form.elements.serviceType.value };
  const sqft = form.elements.squareFeet.value.trim();
  if (sqft) body.squareFeet = Number(sqft);
  body.frequency = form.elements.frequency.value;
  const addOns = Array.from(form.querySelectorAll('input[name="addOns"]:checked')).map((c) => c.value);
  if (addOns.length) body.addOns = addOns;
  return body;
}

async function submitQuote(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const output = $('quote-result');
  const button = $('quote-submit');
  clearFieldErrors(form);
  clear(output);
  const status = output.appendChild(el('p', 'form-status'));
  const body = readQuoteForm(form);
  if (body.squareFeet !== undefined && !(Number.isInteger(body.squareFeet) && body.squareFeet > 0)) {
    setStatus(status, 'error', 'Please enter the size as a whole number of square feet.');
    markFieldError(form, 'squareFeet').focus();
    return;
  }
  button.disabled = true;
  setStatus(status, null, 'Calculating…');
  const result = await api('POST', '/api/quotes', body);
  button.disabled = false;
  if (!result.ok || !result.data) {
    showRequestError(form, status, result, 'We could not calculate that quote.');
    return;
  }
  clear(output);
  const card = quoteCard(result.data, serviceNames.get(body.serviceType) || 'Your quote', 'card');
  const cta = el('button', 'btn btn-primary', 'Book this with our assistant');
  cta.type = 'button';
  cta.addEventListener('click', () => openChat(cta));
  card.append(cta);
  output.append(card);
}

// ---------- Contact form ----------
async function submitContact(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const status = $('contact-status');
  const button = $('contact-submit');
  clearFieldErrors(form);
  const value = (name) => form.elements[name].value.trim();
  const body = { name: value('name'), message: value('message') };
  if (value('phone')) body.phone = value('phone');
  if (value('email')) body.email = value('email');
  const missing = !body.name ? ['name', 'Please tell us your name.']
    : !body.phone && !body.email ? ['phone', 'Please give a phone number or an email so we can reply.']
      : !body.message ? ['message', 'Please write a short message.'] : null;
  if (missing) {
    setStatus(status, 'error', missing[1]);
    markFieldError(form, missing[0]).focus();
    return;
  }
  button.disabled = true;
  setStatus(status, null, 'Sending…');
  const result = await api('POST', '/api/inquiries', body);
  button.disabled = false;
  if (result.ok) {
    form.reset();
    setStatus(status, 'success',
      `Thank you, ${body.name}! We received your message and will reply within one business day.`);
    return;
  }
  showRequestError(form, status, result, 'Your message could not be sent. Please check the form.');
}

// ---------- Chat: state and storage ----------
const chat = { sessionId: null, busy: false, initialised: false, opener: null };

// sessionStorage may be unavailable (privacy modes): the chat then lasts for this page only.
function storageGet(key) {
  try { return sessionStorage.getItem(key); } catch (_) { return null; }
}

function storageSet(key, value) {
  try {
    if (value === null) sessionStorage.removeItem(key); else sessionStorage.setItem(key, value);
  } catch (_) { /* nothing to do */ }
}

function setSession(id) {
  chat.sessionId = id;
  storageSet(SESSION_KEY, id);
}

// ---------- Chat: rendering ----------
function scrollLog() {
  const log = $('chat-log');
  log.scrollTop = log.scrollHeight;
}

function appendToLog(node) {
  $('chat-log').append(node);
  scrollLog();
  return node;
}

const SPEAKERS = { user: 'You: ', assistant: 'Assistant: ' };

function addMessage(role, text) {
  const node = el('p', `msg msg-${role}`, text);
  node.prepend(el('span', 'visually-hidden', SPEAKERS[role]));
  return appendToLog(node);
}

function addSystemLine(text, isError) {
  return appendToLog(el('p', isError ? 'msg msg-system is-error' : 'msg msg-system', text));
}

function renderBookedCard(appt, quote, action) {
  const card = el('div', 'chat-card booked-card');
  card.append(el('h3', null, action === 'rescheduled' ? 'Your booking is rescheduled' : "You're booked!"));
  card.append(el('p', 'reference', appt.reference || ''));
  const details = el('dl');
  const price = [appt.quotedPrice, appt.price, appt.total, quote && quote.total]
    .find((v) => typeof v === 'number');
  const service = appt.serviceName || serviceNames.get(appt.serviceType) || appt.serviceType;
  [['Date', formatDate(appt.date)], ['Time', formatTime(appt.time)], ['Service', service],
    ['Price', price !== undefined ? formatMoney(price) : '']].forEach(([label, value]) => {
    if (value) details.append(el('dt', null, label), el('dd', null, value));
  });
  card.append(details);
  card.append(el('p', 'keep',
    'Please keep this reference: with your phone or email it lets you view, reschedule or cancel.'));
  appendToLog(card);
}

// ---------- Chat: quick replies ----------
function showQuickReplies(replies) {
  const box = $('chat-quick');
  clear(box);
  replies.forEach(({ label, send, onClick }) => {
    const button = el('button', 'quick-btn', label);
    button.type = 'button';
    button.disabled = chat.busy;
    button.addEventListener('click', onClick || (() => sendMessage(send)));
    box.append(button);
  });
  box.hidden = replies.length === 0;
  scrollLog(); // the log just got shorter or taller
}

function slotReplies(slots) {
  return slots.filter((s) => s && s.date && s.time).map((s) => ({
    label: s.label || `${formatDate(s.date)}, ${formatTime(s.time)}`,
    send: `${s.date} at ${s.time}`,
  }));
}

// ---------- Chat: busy state ----------
function setBusy(busy) {
  chat.busy = busy;
  $('chat-typing').hidden = !busy;
  $('chat-send').disabled = busy;
  $('chat-log').setAttribute('aria-busy', String(busy));
  $('chat-quick').querySelectorAll('button').forEach((b) => { b.disabled = busy; });
  scrollLog();
}

// ---------- Chat: session lifecycle ----------
async function startSession() {
  setBusy(true);
  const result = await api('POST', '/api/chat/start', {});
  setBusy(false);
  if (result.ok && result.data && result.data.sessionId) {
    setSession(String(result.data.sessionId));
    addMessage('assistant', result.data.welcomeMessage
      || 'Hi! I can give you a price, find a free time and book your cleaning. What do you need?');
    return true;
  }
  addSystemLine(`Sorry, the assistant is not available right now. ${errorText(result, '')}`.trim(), true);
  showQuickReplies([{ label: 'Try again', onClick: () => { showQuickReplies([]); startSession(); } }]);
  return false;
}

async function resumeSession(id) {
  setBusy(true);
  const result = await api('GET', `/api/chat/history/${encodeURIComponent(id)}`);
  setBusy(false);
  if (result.status === 404 || result.status === 410) { setSession(null); return startSession(); }
  chat.sessionId = id;
  const data = result.ok ? result.data : null;
  const messages = Array.isArray(data) ? data : (data && Array.isArray(data.messages) ? data.messages : null);
  if (!messages) {
    addSystemLine('We could not load your earlier messages, but you can keep chatting.', true);
    return true;
  }
  messages.filter((m) => m && typeof m.content === 'string' && SPEAKERS[m.role])
    .forEach((m) => addMessage(m.role, m.content));
  addSystemLine('Welcome back — your conversation continues below.');
  return true;
}

function initChat() {
  if (chat.initialised) return;
  chat.initialised = true;
  const saved = storageGet(SESSION_KEY);
  if (saved) resumeSession(saved); else startSession();
}

function finishLocally(text) {
  setSession(null);
  toggleRating(false);
  addSystemLine(text);
  showQuickReplies([{ label: 'Start a new chat', onClick: () => { showQuickReplies([]); startSession(); } }]);
}

async function endSession(satisfaction) {
  const id = chat.sessionId;
  if (!id) return finishLocally('This chat has ended.');
  const body = { sessionId: id };
  if (satisfaction) body.satisfaction = satisfaction;
  setBusy(true);
  await api('POST', '/api/chat/end', body); // the visitor asked to leave: clear locally either way
  setBusy(false);
  finishLocally(satisfaction ? 'Chat ended. Thank you for your feedback!' : 'Chat ended. Thank you!');
  $('chat-input').focus();
}

// ---------- Chat: sending ----------
function handleReply(data) {
  if (typeof data.message === 'string' && data.message) addMessage('assistant', data.message);
  const booked = (data.action === 'booked' || data.action === 'rescheduled') && data.appointment;
  if (data.quote && typeof data.quote === 'object' && !booked) {
    appendToLog(quoteCard(data.quote, 'Price breakdown', 'chat-card'));
  }
  if (booked) renderBookedCard(data.appointment, data.quote, data.action);
  if (Array.isArray(data.slots) && data.slots.length) {
    showQuickReplies(slotReplies(data.slots));
  } else if (data.action === 'confirm') {
    showQuickReplies([{ label: 'Yes, book it', send: 'Yes, book it' },
      { label: 'Change something', send: "No, I'd like to change something" }]);
  }
  if (data.action === 'ended') finishLocally('This chat has ended.');
}

function chatErrorText(result) {
  if (result.status === 429) return "You're sending messages quickly — please wait a moment.";
  if (result.status === 413) return 'That message is too long. Please shorten it and try again.';
  return errorText(result, "Sorry, I couldn't read that message. Could you rephrase it?");
}

async function sendMessage(rawText, isRetry) {
  const text = String(rawText || '').trim().slice(0, CHAT_MAX_CHARS);
  if (!text || chat.busy) return;
  showQuickReplies([]);
  if (!chat.sessionId && !(await startSession())) return restoreInput(text);
  if (!isRetry) addMessage('user', text);
  setBusy(true);
  const result = await api('POST', '/api/chat/message', { sessionId: chat.sessionId, message: text });
  setBusy(false);
  if (result.ok && result.data) {
    handleReply(result.data);
  } else if (result.status === 404 && !isRetry) {
    setSession(null);
    addSystemLine('Your previous chat expired, so we started a new one.');
    if (await startSession()) return sendMessage(text, true);
    restoreInput(text);
  } else {
    addSystemLine(chatErrorText(result), true);
    restoreInput(text);
  }
  return undefined;
}

function restoreInput(text) {
  const input = $('chat-input');
  if (!input.value) input.value = text;
  updateCounter();
}

function updateCounter() {
  const length = $('chat-input').value.length;
  const counter = $('chat-counter');
  counter.textContent = `${length} / ${CHAT_MAX_CHARS}`;
  counter.classList.toggle('is-near-limit', length > CHAT_MAX_CHARS - 200);
}

function submitChat(event) {
  event.preventDefault();
  const input = $('chat-input');
  if (chat.busy || !input.value.trim()) return;
  const text = input.value;
  input.value = '';
  updateCounter();
  sendMessage(text);
  input.focus();
}

// ---------- Chat: panel open/close and keyboard ----------
function openChat(opener, options = {}) {
  chat.opener = opener || null;
  $('chat-panel').hidden = false;
  $('chat-launcher').setAttribute('aria-expanded', 'true');
  storageSet(OPEN_KEY, '1');
  initChat();
  if (options.focus !== false) $('chat-input').focus();
}

function closeChat() {
  $('chat-panel').hidden = true;
  $('chat-launcher').setAttribute('aria-expanded', 'false');
  storageSet(OPEN_KEY, null);
  const back = chat.opener && chat.opener.isConnected && chat.opener.offsetParent !== null
    ? chat.opener : $('chat-launcher');
  back.focus();
}

// The rating prompt takes the place of the message form until the visitor picks.
function toggleRating(show) {
  $('chat-rating').hidden = !show;
  $('chat-form').hidden = show;
  if (show) $('chat-rating').querySelector('.star').focus();
}

function askForRating() {
  if (chat.busy) return;
  if (!chat.sessionId) return addSystemLine('There is no active chat to end.');
  showQuickReplies([]);
  return toggleRating(true);
}

function bindChat() {
  document.querySelectorAll('[data-open-chat]').forEach((b) => b.addEventListener('click', () => openChat(b)));
  $('chat-launcher').addEventListener('click', (e) => openChat(e.currentTarget));
  $('chat-close').addEventListener('click', closeChat);
  $('chat-end').addEventListener('click', askForRating);
  $('chat-rating-skip').addEventListener('click', () => endSession());
  $('chat-rating-cancel').addEventListener('click', () => { toggleRating(false); $('chat-input').focus(); });
  $('chat-rating').querySelectorAll('.star').forEach((star) => {
    star.addEventListener('click', () => endSession(Number(star.dataset.rating)));
  });
  $('chat-form').addEventListener('submit', submitChat);
  const input = $('chat-input');
  input.addEventListener('input', updateCounter);
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      const form = $('chat-form');
      if (form.requestSubmit) form.requestSubmit();
      else form.dispatchEvent(new Event('submit', { cancelable: true }));
    }
  });
  $('chat-panel').addEventListener('keydown', (e) => { if (e.key === 'Escape') closeChat(); });
  updateCounter();
  // A reload mid-conversation reopens the panel and continues the same session.
  if (storageGet(OPEN_KEY) && storageGet(SESSION_KEY)) openChat(null, { focus: false });
}

// ---------- Start-up ----------
function init() {
  $('footer-year').textContent = String(new Date().getFullYear());
  $('quote-form').addEventListener('submit', submitQuote);
  $('contact-form').addEventListener('submit', submitContact);
  const clearInvalid = (e) => e.target.removeAttribute('aria-invalid');
  ['quote-form', 'contact-form'].forEach((id) => $(id).addEventListener('input', clearInvalid));
  bindChat();
  loadServices();
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
else init();
