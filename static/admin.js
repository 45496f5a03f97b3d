// CleanSpace Pro — operator admin panel.
// Sign-in, then tabs for appointments, inquiries, services, budget, canary and safety
// incidents. DOM APIs only (no innerHTML with data, no inline styles: the CSP forbids them).
// A section whose endpoint the server does not offer (404) shows a calm note instead.
'use strict';

(function () {
  const TOKEN_KEY = 'cleanspace.operatorToken';
  const PAGE_SIZE = 20;
  const REQUEST_TIMEOUT_MS = 10000;
  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));

  // ---------------------------------------------------------------- small helpers

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  const isNum = (v) => typeof v === 'number' && Number.isFinite(v);
  const words = (v) => (v === null || v === undefined || v === '' ? '–' : String(v).replace(/_/g, ' '));
  /** A field name for people: "costPerConversationUsd" → "Cost per conversation usd". */
  const label = (k) => words(String(k).replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase()).replace(/^./, (c) => c.toUpperCase());
  const percent = (v) => (isNum(v) ? (Math.round(v * 1000) / 10) + ' %' : '–');
  function money(v, digits) {
    if (!isNum(v)) return '–';
    const d = digits === undefined ? (v !== 0 && Math.abs(v) < 1 ? 4 : 2) : digits;
    return '$' + v.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
  }
  function when(iso) {
    const d = new Date(iso);
    return iso && !Number.isNaN(d.getTime()) ? d.toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' }) : words(iso);
  }
  /** Any value as short text; objects become "key: value" lists. */
  function describe(v) {
    if (v === null || v === undefined) return '–';
    if (Array.isArray(v)) return v.map(describe).join(', ');
    if (typeof v === 'object') return Object.keys(v).map((k) => label(k) + ': ' + describe(v[k])).join(', ');
    if (typeof v === 'boolean') return v ? 'yes' : 'no';
    return isNum(v) && !Number.isInteger(v) ? String(Math.round(v * 10000) / 10000) : String(v);
  }
  function fillKv(dl, pairs) {
    dl.replaceChildren();
    pairs.forEach(([term, value]) => dl.append(el('dt', null, term), el('dd', null, value)));
  }
  function badge(value) {
    const b = el('span', 'badge', words(value));
    b.setAttribute('data-value', String(value));
    return b;
  }
  function cell(row, heading, content, className) {
    const td = el('td', className);
    td.setAttribute('data-label', heading);
    if (content instanceof Node) td.appendChild(content);
    else td.textContent = content === undefined || content === null || content === '' ? '–' : String(content);
    row.appendChild(td);
  }
  function emptyRow(tbody, cols, text) {
    const td = el('td', 'muted', text);
    td.colSpan = cols;
    const tr = el('tr');
    tr.appendChild(td);
    tbody.replaceChildren(tr);
  }
  function invalid(input, on) {
    if (!input) return;
    if (on) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  }

  // ---------------------------------------------------------------- token & API

  function getToken() {
    try { return sessionStorage.getItem(TOKEN_KEY) || ''; } catch (_) { return ''; }
  }
  function setToken(token) {
    try {
      if (token) sessionStorage.setItem(TOKEN_KEY, token);
      else sessionStorage.removeItem(TOKEN_KEY);
    } catch (_) { /* storage unavailable: the token lives for this page only */ }
  }

  class ApiError extends Error {
    constructor(status, code, message, field) {
      super(message);
      Object.assign(this, { status, code, field });
    }
  }

  /** Calls the JSON API with the operator token and returns `data` of the envelope. */
  async function api(path, method, body) {
    const headers = { Accept: 'application/json' };
    const token = getToken();
    if (token) headers.Authorization = 'Bearer ' + token;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
    let response;
    try {
      response = await fetch(path, {
        method: method || 'GET', headers, cache: 'no-store', credentials: 'same-origin', signal: controller.signal,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (_) {
      throw new ApiError(0, 'unreachable', 'The server could not be reached. Check the connection and try again.');
    } finally {
      clearTimeout(timer);
    }
    let json = null;
    try { json = await response.json(); } catch (_) { json = null; }
    if (response.ok && json && json.success === true) return json.data;
    const err = (json && json.error) || {};
    let message = err.message || 'The server answered ' + response.status + '.';
    if (response.status === 429) message = 'Too many requests; wait ' + (response.headers.get('Retry-After') || 'a few') + ' s and try again.';
    throw new ApiError(response.status, err.code || 'http_' + response.status, message, err.field);
  }

  // ---------------------------------------------------------------- messages & errors

  /** The status line #admin-message: the result of the last action. */
  function say(text, kind) {
    const box = $('#admin-message');
    box.textContent = text || '';
    box.className = 'admin-message' + (text ? (kind === 'error' ? ' is-error' : ' is-success') : '');
  }

  /** Shows (text) or hides ('') the "not available" note of a section, hiding its content. */
  function note(section, text) {
    const box = $('[data-note="' + section + '"]');
    if (box) { box.textContent = text || ''; box.hidden = !text; }
    $$('[data-section="' + section + '"]').forEach((node) => { node.hidden = Boolean(text); });
  }

  /**
   * 401/403 back to sign-in; when loading `section`, 404 (no such endpoint) and 503 (feature
   * off, e.g. no LLM key) become a calm note in place; anything else goes to the status line.
   */
  function handleError(err, section) {
    if (err.status === 401 || err.status === 403) signOut('Your session has ended. Please sign in again.');
    else if (err.status === 404 && section) note(section, 'This section is not available on this server yet.');
    else if (err.status === 503 && section) note(section, 'Not available right now: ' + err.message);
    else say(err.message || 'Something went wrong.', 'error');
  }

  /** Runs `work`, sending any failure to handleError. */
  async function guard(section, work) {
    try {
      return await work();
    } catch (err) {
      handleError(err, section);
      return undefined;
    }
  }

  // ---------------------------------------------------------------- sign-in

  function showApp(signedIn) {
    $('#login-view').hidden = signedIn;
    $('#app-view').hidden = !signedIn;
    $('#signout').hidden = !signedIn;
    document.body.setAttribute('data-auth', signedIn ? 'signed-in' : 'signed-out');
  }

  function loginError(text) {
    const error = $('#login-error');
    error.textContent = text || '';
    error.hidden = !text;
    invalid($('#login-password'), Boolean(text));
  }

  async function onLogin(event) {
    event.preventDefault();
    const input = $('#login-password');
    loginError('');
    if (!input.value) return loginError('Enter the operator password.');
    $('#login-submit').disabled = true;
    try {
      const data = await api('/api/auth/login', 'POST', { password: input.value });
      setToken(data && data.token);
      input.value = '';
      enterApp();
    } catch (err) {
      loginError(err.status === 401 ? 'That password is not right.' : err.message);
      input.focus();
    } finally {
      $('#login-submit').disabled = false;
    }
  }

  function signOut(message) {
    setToken('');
    showApp(false);
    say('');
    const error = $('#login-error');
    error.textContent = message || '';
    error.hidden = !message;
    $('#login-password').focus();
  }

  function enterApp() {
    showApp(true);
    loadServiceOptions();
    const fromHash = (location.hash || '').slice(1);
    selectTab($('#tab-' + fromHash) ? fromHash : 'appointments', false);
  }

  // ---------------------------------------------------------------- tabs

  const loaders = {};

  function selectTab(name, focus) {
    $$('.tab').forEach((tab) => {
      const active = tab.getAttribute('data-tab') === name;
      tab.setAttribute('aria-selected', String(active));
      tab.tabIndex = active ? 0 : -1;
      if (active && focus) tab.focus();
    });
    $$('.tab-panel').forEach((panel) => { panel.hidden = panel.id !== 'panel-' + name; });
    if (history.replaceState) history.replaceState(null, '', '#' + name);
    say(''); // the status line reports the last action, which belonged to another tab
    if (loaders[name]) loaders[name]();
  }

  function onTabKey(event) {
    const tabs = $$('.tab');
    const i = tabs.indexOf(event.target);
    const next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[event.key];
    if (next === undefined || i < 0) return;
    event.preventDefault();
    selectTab(tabs[(next + tabs.length) % tabs.length].getAttribute('data-tab'), true);
  }

  // ---------------------------------------------------------------- paged tables

  const pages = { appointments: 1, inquiries: 1, safety: 1 };
  const appts = { items: new Map(), selected: null, action: null };

  function apptQuery(page) {
    const params = new URLSearchParams();
    const form = $('#appt-filters');
    ['q', 'status', 'serviceType', 'from', 'to'].forEach((name) => {
      const value = form.elements[name].value.trim();
      if (value) params.set(name, value);
    });
    params.set('page', String(page));
    params.set('pageSize', String(PAGE_SIZE));
    return params.toString();
  }

  /** Each paged list: where it loads from, how a row looks, what it says when empty. */
  const TABLES = {
    appointments: {
      path: (page) => '/api/appointments?' + apptQuery(page),
      tbody: '#appt-rows', summary: '#appt-summary', nouns: ['appointment', 'appointments'],
      tail: ' found.', empty: 'No appointments match these filters.',
      columns: [
        ['Reference', (a) => a.reference, 'ref'], ['Date', (a) => [a.date, a.time].filter(Boolean).join(' '), 'nowrap'],
        ['Service', (a) => a.serviceName || words(a.serviceType)], ['Customer', (a) => a.name],
        ['Status', (a) => badge(a.status)], ['Price', (a) => money(a.price, 2), 'num'],
      ],
      onItems: (items) => { appts.items = new Map(items.map((a) => [a.reference, a])); },
      decorate: (tr, a) => {
        tr.className = 'is-clickable' + (a.reference === appts.selected ? ' is-selected' : '');
        tr.setAttribute('data-reference', a.reference);
        tr.tabIndex = 0;
        tr.setAttribute('aria-label', 'Appointment ' + a.reference + ', ' + words(a.status) + '. Open details.');
      },
    },
    inquiries: {
      path: (page) => '/api/inquiries?page=' + page + '&pageSize=' + PAGE_SIZE,
      tbody: '#inq-rows', summary: '#inq-summary', nouns: ['inquiry', 'inquiries'],
      tail: ' in total.', empty: 'No inquiries yet.',
      columns: [
        ['Received', (q) => when(q.createdAt)], ['Name', (q) => q.name],
        ['Contact', (q) => [q.phone, q.email].filter(Boolean).join(' · ')],
        ['Message', (q) => q.message, 'wrap'], ['Status', (q) => badge(q.status)],
      ],
    },
    safety: {
      path: (page) => '/api/safety/incidents?page=' + page + '&pageSize=' + PAGE_SIZE,
      tbody: '#inc-rows', summary: '#inc-summary', nouns: ['incident', 'incidents'],
      tail: ' recorded. Personal data in excerpts is redacted.', empty: 'No incidents recorded.',
      columns: [
        ['When', (i) => when(i.createdAt)], ['Direction', (i) => words(i.direction)],
        ['Category', (i) => words(i.category)], ['Rule', (i) => i.rule],
        ['Score', (i) => (isNum(i.score) ? i.score.toFixed(2) : i.score), 'num'],
        ['Action', (i) => badge(i.action)], ['Excerpt', (i) => i.excerpt, 'wrap excerpt'],
      ],
    },
  };

  /** Loads one page of a table with its real total; a response to an older request is dropped. */
  async function loadTable(name) {
    const t = TABLES[name];
    const seq = (t.seq = (t.seq || 0) + 1);
    const table = $(t.tbody).closest('table');
    table.setAttribute('aria-busy', 'true');
    try {
      const data = await api(t.path(pages[name]));
      if (seq !== t.seq) return;
      table.setAttribute('aria-busy', 'false');
      note(name, '');
      const items = Array.isArray(data.items) ? data.items : [];
      const total = isNum(data.total) ? data.total : items.length;
      if (t.onItems) t.onItems(items);
      $(t.summary).textContent = total + ' ' + t.nouns[total === 1 ? 0 : 1] + t.tail;
      if (items.length === 0) emptyRow($(t.tbody), t.columns.length, t.empty);
      else $(t.tbody).replaceChildren(...items.map((item) => {
        const tr = el('tr');
        t.columns.forEach(([heading, value, className]) => cell(tr, heading, value(item), className));
        if (t.decorate) t.decorate(tr, item);
        return tr;
      }));
      renderPager(name, data.page || pages[name], data.pageSize || PAGE_SIZE, total, items.length);
    } catch (err) {
      if (seq !== t.seq) return;
      table.setAttribute('aria-busy', 'false');
      handleError(err, name);
    }
  }

  function renderPager(name, page, pageSize, total, shown) {
    const pager = $('[data-pager="' + name + '"]');
    const last = Math.max(1, Math.ceil(total / pageSize));
    const first = (page - 1) * pageSize + 1;
    $('.pager-info', pager).textContent = total === 0 || shown === 0 ? 'No results'
      : 'Showing ' + first + '–' + (first + shown - 1) + ' of ' + total + ' · page ' + page + ' of ' + last;
    $('[data-page="prev"]', pager).disabled = page <= 1;
    $('[data-page="next"]', pager).disabled = page >= last;
  }

  function bindPager(name) {
    const pager = $('[data-pager="' + name + '"]');
    $('[data-page="prev"]', pager).addEventListener('click', () => { pages[name] = Math.max(1, pages[name] - 1); loadTable(name); });
    $('[data-page="next"]', pager).addEventListener('click', () => { pages[name] += 1; loadTable(name); });
  }

  // ---------------------------------------------------------------- appointments: detail & status

  const ACTIONS = {
    confirm: { status: 'confirmed', from: ['scheduled'], title: 'Confirm', done: 'confirmed' },
    complete: { status: 'completed', from: ['confirmed'], title: 'Mark as completed', done: 'completed' },
    cancel: { status: 'cancelled', from: ['scheduled', 'confirmed'], title: 'Cancel appointment', done: 'cancelled', reasonRequired: true },
    no_show: { status: 'no_show', from: ['scheduled', 'confirmed'], title: 'Mark as no-show', done: 'marked as no-show' },
  };

  async function loadServiceOptions() {
    const services = await api('/api/services').catch(() => null);
    if (!Array.isArray(services)) return; // the filter keeps "Any service" only
    $('#appt-service').replaceChildren(new Option('Any service', ''), ...services.map((s) => new Option(s.name || s.code, s.code)));
  }

  function onRowActivate(event) {
    if (event.type === 'keydown' && event.key !== 'Enter' && event.key !== ' ') return;
    const tr = event.target.closest('tr[data-reference]');
    if (!tr) return;
    event.preventDefault();
    openDetail(tr.getAttribute('data-reference'));
  }

  async function openDetail(reference) {
    appts.selected = reference;
    $$('#appt-rows tr').forEach((tr) => tr.classList.toggle('is-selected', tr.getAttribute('data-reference') === reference));
    let item = appts.items.get(reference);
    try {
      item = await api('/api/appointments/' + encodeURIComponent(reference));
    } catch (err) {
      if (err.status === 401 || !item) return handleError(err); // else show the row's copy
    }
    renderDetail(item);
    $('#appt-detail').focus();
  }

  function renderDetail(a) {
    const panel = $('#appt-detail');
    panel.hidden = false;
    panel.parentElement.classList.add('has-detail');
    panel.setAttribute('data-reference', a.reference);
    $('#detail-ref').textContent = a.reference;
    $('#detail-status').textContent = words(a.status);
    $('#detail-status').setAttribute('data-value', a.status);
    fillKv($('#detail-fields'), [
      ['Service', a.serviceName || words(a.serviceType)],
      ['When', [a.date, a.time].filter(Boolean).join(' at ') + (a.durationMinutes ? ' · ' + a.durationMinutes + ' min' : '')],
      ['Crew', words(a.crew)], ['Price', money(a.price, 2)],
      ['Customer', words(a.name)], ['Phone', words(a.phone)], ['Email', words(a.email)],
      ['Address', words(a.address)], ['Notes', a.notes || '–'],
      ['Cancel reason', a.cancelReason || '–'], ['Source', words(a.source)], ['Booked', when(a.createdAt)],
    ]);
    $$('#detail-actions [data-action]').forEach((button) => {
      button.hidden = !ACTIONS[button.getAttribute('data-action')].from.includes(a.status);
    });
    closeStatusForm();
  }

  function closeDetail() {
    const panel = $('#appt-detail');
    panel.hidden = true;
    panel.parentElement.classList.remove('has-detail');
    appts.selected = null;
    $$('#appt-rows tr.is-selected').forEach((tr) => tr.classList.remove('is-selected'));
  }

  function openStatusForm(name) {
    const action = ACTIONS[name];
    appts.action = name;
    $('#status-form-title').textContent = action.title + ' ' + appts.selected;
    $('#status-reason-label').textContent = action.reasonRequired ? 'Reason (required)' : 'Reason or note (optional)';
    const reason = $('#status-reason');
    reason.value = '';
    reason.required = Boolean(action.reasonRequired);
    invalid(reason, false);
    const submit = $('#status-submit');
    submit.textContent = action.title;
    submit.classList.toggle('btn-danger', name === 'cancel');
    submit.classList.toggle('is-solid', name === 'cancel');
    $('#status-error').hidden = true;
    $('#status-form').hidden = false;
    $('#detail-actions').hidden = true;
    reason.focus();
  }

  function closeStatusForm() {
    appts.action = null;
    $('#status-form').hidden = true;
    const open = $$('#detail-actions [data-action]').some((b) => !b.hidden);
    $('#detail-actions').hidden = !open;
    $('#detail-final').hidden = open;
  }

  function statusError(text, field) {
    $('#status-error').textContent = text;
    $('#status-error').hidden = false;
    if (field === 'reason') invalid($('#status-reason'), true);
  }

  async function onStatusSubmit(event) {
    event.preventDefault();
    const action = ACTIONS[appts.action];
    const reference = appts.selected;
    if (!action || !reference) return;
    const reason = $('#status-reason').value.trim();
    if (action.reasonRequired && !reason) return statusError('Give a reason for the cancellation.', 'reason');
    const body = reason ? { status: action.status, reason } : { status: action.status };
    $('#status-submit').disabled = true;
    try {
      const updated = await api('/api/appointments/' + encodeURIComponent(reference), 'PATCH', body);
      renderDetail(updated && updated.reference ? updated : Object.assign({}, appts.items.get(reference), { status: action.status }));
      say('Appointment ' + reference + ' ' + action.done + '.', 'success');
      loadTable('appointments');
    } catch (err) {
      if (err.status === 401 || err.status === 403) return handleError(err);
      statusError(err.message, err.field);
      say('Appointment ' + reference + ' was not changed: ' + err.message, 'error');
    } finally {
      $('#status-submit').disabled = false;
    }
  }

  // ---------------------------------------------------------------- services & prices

  const loadServices = () => guard('services', async () => {
    const services = await api('/api/services');
    note('services', '');
    $('#services-list').replaceChildren(...(services || []).map(serviceForm));
  });

  /** One editable row, cloned from <template id="service-template">. */
  function serviceForm(s) {
    const form = $('#service-template').content.firstElementChild.cloneNode(true);
    const f = (name) => $('[data-field="' + name + '"]', form);
    form.setAttribute('data-code', s.code);
    f('title').textContent = s.name || s.code;
    f('code').textContent = s.code;
    f('rule').textContent = s.durationRule ? 'Duration: ' + s.durationRule : '';
    f('save').textContent = 'Save ' + (s.name || s.code);
    $$('label[data-for]', form).forEach((tag) => {
      const input = form.elements[tag.getAttribute('data-for')];
      input.id = 'svc-' + s.code + '-' + input.name;
      tag.htmlFor = input.id;
    });
    form.elements.name.value = s.name || '';
    form.elements.hourlyRate.value = isNum(s.hourlyRate) ? String(s.hourlyRate) : '';
    form.elements.description.value = s.description || '';
    form.elements.active.checked = s.active !== false;
    form.addEventListener('submit', (event) => onServiceSave(event, s));
    return form;
  }

  async function onServiceSave(event, original) {
    event.preventDefault();
    const els = event.currentTarget.elements;
    ['name', 'hourlyRate', 'description'].forEach((n) => invalid(els[n], false));
    const rate = Number(els.hourlyRate.value);
    if (els.hourlyRate.value === '' || !Number.isFinite(rate) || rate < 0) {
      invalid(els.hourlyRate, true);
      return say('The hourly rate must be a number of dollars, 0 or more.', 'error');
    }
    const changes = {};
    if (els.name.value.trim() !== (original.name || '')) changes.name = els.name.value.trim();
    if (els.description.value.trim() !== (original.description || '')) changes.description = els.description.value.trim();
    if (rate !== original.hourlyRate) changes.hourlyRate = rate;
    if (els.active.checked !== (original.active !== false)) changes.active = els.active.checked;
    if (Object.keys(changes).length === 0) return say('Nothing to save for ' + original.name + '.', 'success');
    try {
      const updated = await api('/api/services/' + encodeURIComponent(original.code), 'PUT', changes);
      Object.assign(original, changes, updated && typeof updated === 'object' ? updated : {});
      say('Saved ' + (original.name || original.code) + '.', 'success');
    } catch (err) {
      invalid(err.field && els[err.field], true);
      handleError(err);
    }
  }

  // ---------------------------------------------------------------- budget, strategy, cache

  const BUDGET_INPUTS = ['#budget-daily', '#budget-monthly', '#budget-per-request'];

  async function loadBudget() {
    await guard('budget', async () => {
      const b = await api('/api/optimization/budget');
      note('budget', '');
      BUDGET_INPUTS.forEach((id) => {
        const input = $(id);
        input.value = isNum(b[input.name]) ? String(b[input.name]) : '';
      });
      $('#budget-spent').textContent = 'Spent today ' + money(b.dailySpentUsd) + ' of ' + money(b.dailyLimitUsd) +
        '; this month ' + money(b.monthlySpentUsd) + ' of ' + money(b.monthlyLimitUsd) + '.';
      $('#budget-tokens').textContent = 'Token caps per request: ' + describe(b.maxInputTokens) + ' in, ' + describe(b.maxOutputTokens) + ' out.';
      if (b.strategy) $('#strategy-select').value = b.strategy;
    });
    loadCache();
  }

  async function onBudgetSave(event) {
    event.preventDefault();
    const body = {};
    for (const input of BUDGET_INPUTS.map((id) => $(id))) {
      invalid(input, false);
      if (input.value === '') continue;
      const value = Number(input.value);
      if (!Number.isFinite(value) || value <= 0) {
        invalid(input, true);
        return say('Each limit must be an amount in dollars above zero.', 'error');
      }
      body[input.name] = value;
    }
    try {
      await api('/api/optimization/budget', 'PUT', body);
      say('Budget limits saved.', 'success');
      loadBudget();
    } catch (err) {
      invalid(err.field && $('#budget-form').elements[err.field], true);
      handleError(err);
    }
  }

  function onStrategyApply(event) {
    event.preventDefault();
    const strategy = $('#strategy-select').value;
    if (!strategy) return say('Choose a strategy first.', 'error');
    guard(null, async () => {
      await api('/api/optimization/strategy', 'POST', { strategy });
      say('Routing strategy set to ' + words(strategy) + '.', 'success');
    });
  }

  const loadCache = () => guard('cache', async () => {
    const c = await api('/api/cache/stats');
    note('cache', '');
    fillKv($('#cache-stats'), [
      ['Hits', describe(c.hits)], ['Misses', describe(c.misses)], ['Hit ratio', percent(c.hitRatio)],
      ['Entries', describe(c.entries)], ['Evictions', describe(c.evictions)], ['Saved', money(c.savedUsd)],
    ]);
  });

  const onCacheClear = () => guard(null, async () => {
    await api('/api/cache/clear', 'POST', {});
    say('Reply cache cleared.', 'success');
    loadCache();
  });

  // ---------------------------------------------------------------- canary

  async function loadCanary() {
    const status = await guard('canary', () => api('/api/canary/status'));
    if (!status) return;
    note('canary', '');
    renderCanary(status);
    try {
      const stages = await api('/api/canary/stages');
      const list = Array.isArray(stages) ? stages : (stages && stages.stages) || [];
      $('#canary-stages').replaceChildren(...list.map((s) => el('li', null, isNum(s) ? s + ' % of traffic' : describe(s))));
    } catch (_) {
      $('#canary-stages').replaceChildren(el('li', 'muted', 'Stage list not available.'));
    }
  }

  function renderCanary(c) {
    fillKv($('#canary-status'), [
      ['Rollout', c.active ? 'active' : 'inactive'], ['Stage', describe(c.stage)],
      ['Traffic to candidate', isNum(c.trafficPercent) ? c.trafficPercent + ' %' : '–'],
      ['Candidate', words(c.candidate)], ['Stable', words(c.stable)],
    ]);
    ['#canary-promote', '#canary-rollback', '#canary-stop'].forEach((id) => { $(id).disabled = !c.active; });
    $('#canary-start').disabled = Boolean(c.active);
    renderGate(c.gate, c);
    const events = Array.isArray(c.events) ? c.events : [];
    $('#canary-events').replaceChildren(...(events.length ? events.map((e) => {
      const li = el('li');
      li.append(el('time', null, when(e.at)), el('strong', null, words(e.kind)), document.createTextNode(e.detail ? ' — ' + describe(e.detail) : ''));
      return li;
    }) : [el('li', 'muted', 'No events yet.')]));
  }

  /** The figures of one variant in the gate window (GET /api/canary/status → gate.candidate / gate.stable). */
  const GATE_FIGURES = [
    ['conversations', 'Conversations', describe], ['bookings', 'Bookings', describe],
    ['turns', 'Turns', describe], ['errors', 'Failed turns', describe],
    ['safetyIncidents', 'Safety incidents', describe],
    ['p95LatencyMs', 'p95 latency (ms)', (v) => (isNum(v) ? String(Math.round(v)) : '–')],
    ['costMicros', 'LLM cost', (v) => (isNum(v) ? money(v / 1e6) : '–')],
  ];

  /** One comparison of the gate report: rates as percentages, latency in ms, cost in dollars. */
  function checkText(metric, value) {
    if (!isNum(value)) return '–';
    if (/rate/.test(metric)) return percent(value);
    if (/cost/.test(metric)) return money(value / 1e6);
    return String(Math.round(value * 10) / 10);
  }

  function gateCell(text, variant, figure, raw) {
    const td = el('td', 'num', text);
    td.setAttribute('data-variant', variant);
    td.setAttribute('data-figure', figure);
    td.setAttribute('data-value', raw === undefined || raw === null ? '' : String(raw));
    return td;
  }

  /**
   * The gate of the current stage: {candidate, stable} figures side by side, the stage's
   * minimum sample, and the report's decision with each metric's comparison.
   */
  function renderGate(gate, names) {
    const box = $('#canary-gate');
    if (!gate || typeof gate !== 'object' || !gate.candidate || !gate.stable) {
      return box.replaceChildren(el('p', 'muted', 'No gate figures yet.'));
    }
    const table = el('table', 'data-table');
    table.id = 'canary-gate-figures';
    table.createTHead().insertRow().append(el('th', null, 'Figure'),
      el('th', 'num', 'Candidate: ' + words(names.candidate)), el('th', 'num', 'Stable: ' + words(names.stable)));
    const body = table.createTBody();
    GATE_FIGURES.forEach(([key, title, show]) => {
      body.insertRow().append(el('td', null, title),
        gateCell(show(gate.candidate[key]), 'candidate', key, gate.candidate[key]),
        gateCell(show(gate.stable[key]), 'stable', key, gate.stable[key]));
    });
    const minimum = el('p', 'muted', 'This stage is judged from ' + describe(gate.minSamples)
      + ' conversations per variant on; it advances once the candidate is shown to be no worse than stable.');
    minimum.id = 'canary-gate-min';
    minimum.setAttribute('data-value', String(gate.minSamples));
    const parts = [table, minimum];
    const report = gate.report;
    if (report && typeof report === 'object') {
      const decision = el('p', null, 'Gate decision: ' + words(report.decision) + (report.reason ? ' — ' + report.reason : ''));
      decision.id = 'canary-gate-decision';
      decision.setAttribute('data-value', String(report.decision));
      const checks = el('table', 'data-table');
      checks.createTHead().insertRow().append(el('th', null, 'Check'), el('th', 'num', 'Candidate'),
        el('th', 'num', 'Stable'), el('th', null, 'Verdict'));
      const rows = checks.createTBody();
      (Array.isArray(report.checks) ? report.checks : []).forEach((c) => {
        rows.insertRow().append(el('td', null, label(c.metric)), el('td', 'num', checkText(c.metric, c.candidate)),
          el('td', 'num', checkText(c.metric, c.stable)), el('td', null, words(c.verdict)));
      });
      parts.push(decision, checks);
    }
    box.replaceChildren(...parts);
  }

  const canaryCommand = (command, body, done) => guard(null, async () => {
    const result = await api('/api/canary/' + command, 'POST', body || {});
    say(done, 'success');
    if (result && typeof result === 'object' && 'active' in result) renderCanary(result);
    loadCanary();
  });

  function onCanaryStart(event) {
    event.preventDefault();
    const candidate = $('#canary-candidate').value;
    const stable = $('#canary-stable').value;
    if (candidate === stable) return say('Pick a candidate that differs from the stable variant.', 'error');
    canaryCommand('start', {
      candidate, stable, autoPromote: $('#canary-auto-promote').checked, autoRollback: $('#canary-auto-rollback').checked,
    }, 'Canary started: ' + candidate + ' against ' + stable + '.');
  }

  // ---------------------------------------------------------------- start

  function bindAppointments() {
    const filters = $('#appt-filters');
    filters.addEventListener('submit', (event) => { event.preventDefault(); pages.appointments = 1; loadTable('appointments'); });
    filters.addEventListener('reset', () => { pages.appointments = 1; setTimeout(() => loadTable('appointments'), 0); });
    $('#appt-rows').addEventListener('click', onRowActivate);
    $('#appt-rows').addEventListener('keydown', onRowActivate);
    $$('#detail-actions [data-action]').forEach((b) => b.addEventListener('click', () => openStatusForm(b.getAttribute('data-action'))));
    $('#status-form').addEventListener('submit', onStatusSubmit);
    $('#status-back').addEventListener('click', closeStatusForm);
    $('#detail-close').addEventListener('click', closeDetail);
  }

  function bindOthers() {
    $('#budget-form').addEventListener('submit', onBudgetSave);
    $('#strategy-form').addEventListener('submit', onStrategyApply);
    $('#cache-refresh').addEventListener('click', loadCache);
    $('#cache-clear').addEventListener('click', onCacheClear);
    $('#canary-form').addEventListener('submit', onCanaryStart);
    $('#canary-promote').addEventListener('click', () => canaryCommand('promote', {}, 'Canary promoted to the next stage.'));
    $('#canary-rollback').addEventListener('click', () => canaryCommand('rollback', {}, 'Canary rolled back; all traffic is on the stable variant.'));
    $('#canary-stop').addEventListener('click', () => canaryCommand('stop', {}, 'Canary stopped.'));
  }

  async function init() {
    Object.assign(loaders, {
      appointments: () => loadTable('appointments'), inquiries: () => loadTable('inquiries'),
      services: loadServices, budget: loadBudget, canary: loadCanary, safety: () => loadTable('safety'),
    });
    $('#login-form').addEventListener('submit', onLogin);
    $('#signout').addEventListener('click', () => signOut('You are signed out.'));
    $$('.tab').forEach((tab) => tab.addEventListener('click', () => selectTab(tab.getAttribute('data-tab'), false)));
    $('.tabs').addEventListener('keydown', onTabKey);
    Object.keys(pages).forEach(bindPager);
    bindAppointments();
    bindOthers();

    if (!getToken()) return signOut('');
    try {
      await api('/api/auth/me');
      enterApp();
    } catch (err) {
      if (err.status === 404) return enterApp(); // no session check on this server: try the token
      signOut(err.status === 401 || err.status === 403 ? 'Your session has ended. Please sign in again.' : err.message);
    }
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
