// CleanSpace Pro — operations dashboard.
// Fetches /api/dashboard and /api/dashboard/timeseries every 10 s and renders them with
// DOM APIs only (no innerHTML, no inline styles: the CSP forbids them). Every figure is
// an element with data-metric="<section>.<field>"; its raw value is kept in data-value.
'use strict';

(function () {
  const REFRESH_MS = 10000;
  const REQUEST_TIMEOUT_MS = 8000;
  const TOKEN_KEY = 'cleanspace.operatorToken';
  const SVG_NS = 'http://www.w3.org/2000/svg';
  const CARDS = ['system', 'safety', 'reliability', 'cost', 'performance', 'budget'];
  const COLOURS = ['green', 'yellow', 'red'];
  const OVERALL_COLOUR = { healthy: 'green', warning: 'yellow', critical: 'red' };

  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));

  const state = {
    inFlight: false,
    lastSuccess: null, // Date of the last fully successful refresh
    lastAttempt: 0,
    timeseries: null, // last points drawn, redrawn when the screen width changes
  };

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

  /** An error from the API or the network; status 0 means the server was not reached. */
  class ApiError extends Error {
    constructor(status, code, message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  /** Calls the JSON API and returns `data` from the success envelope. */
  async function api(path, options) {
    const opts = options || {};
    const headers = { Accept: 'application/json' };
    const token = getToken();
    if (token) headers.Authorization = 'Bearer ' + token;
    if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
    let response;
    try {
      response = await fetch(path, {
        method: opts.method || 'GET',
        headers,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        cache: 'no-store',
        credentials: 'same-origin',
        signal: controller.signal,
      });
    } catch (_) {
      throw new ApiError(0, 'unreachable', 'The server could not be reached.');
    } finally {
      clearTimeout(timer);
    }
    let body = null;
    try { body = await response.json(); } catch (_) { body = null; }
    if (response.ok && body && body.success === true) return body.data;
    const err = body && body.error ? body.error : {};
    throw new ApiError(response.status, err.code || 'http_' + response.status,
      err.message || 'The server answered ' + response.status + '.');
  }

  // ---------------------------------------------------------------- formatting

  const isNum = (v) => typeof v === 'number' && Number.isFinite(v);

  function fmtCount(v) {
    if (!isNum(v)) return String(v);
    if (Number.isInteger(v)) return v.toLocaleString('en-US');
    return v.toLocaleString('en-US', { maximumFractionDigits: 1 });
  }
  function fmtUsd(v) {
    if (!isNum(v)) return String(v);
    const digits = v !== 0 && Math.abs(v) < 1 ? 4 : 2;
    return v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  }
  /** A 0..1 share shown as a percentage without the sign (the sign is a sibling element). */
  function fmtPercent(v) {
    if (!isNum(v)) return String(v);
    const pct = Math.round(v * 1000) / 10;
    return pct.toLocaleString('en-US', { maximumFractionDigits: 1 });
  }
  function fmtMs(v) {
    return isNum(v) ? Math.round(v).toLocaleString('en-US') : String(v);
  }
  function fmtDuration(v) {
    if (!isNum(v)) return String(v);
    const s = Math.max(0, Math.floor(v));
    const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600);
    const m = Math.floor((s % 3600) / 60), sec = s % 60;
    if (d > 0) return d + 'd ' + h + 'h';
    if (h > 0) return h + 'h ' + m + 'm';
    if (m > 0) return m + 'm ' + sec + 's';
    return sec + 's';
  }
  function fmtTime(v) {
    const date = v instanceof Date ? v : new Date(v);
    if (Number.isNaN(date.getTime())) return String(v);
    return date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  }
  const fmtActive = (v) => (v === true ? 'active' : v === false ? 'inactive' : String(v));
  const fmtWords = (v) => String(v).replace(/_/g, ' ');

  /** How a figure is displayed, from its key: *Usd dollars, *Ms milliseconds, rates as %. */
  function formatterFor(key) {
    if (key === 'generatedAt') return fmtTime;
    if (key === 'system.uptimeSeconds') return fmtDuration;
    if (key === 'canary.active') return fmtActive;
    if (key === 'budget.strategy') return fmtWords;
    if (/Usd$/.test(key)) return fmtUsd;
    if (/Ms$/.test(key)) return fmtMs;
    if (/(Rate|Ratio|Fraction)$/.test(key)) return fmtPercent;
    return null;
  }

  function formatMetric(key, value) {
    const format = formatterFor(key);
    if (format) return format(value);
    return isNum(value) ? fmtCount(value) : String(value);
  }

  // ---------------------------------------------------------------- metric elements

  /** Writes one figure: display text, raw value in data-value, "–" when absent. */
  function setMetric(key, value) {
    $$('[data-metric="' + key + '"]').forEach((el) => {
      const missing = value === undefined || value === null || value === '';
      el.textContent = missing ? '–' : formatMetric(key, value);
      el.classList.toggle('is-missing', missing);
      if (missing) el.removeAttribute('data-value');
      else el.setAttribute('data-value', String(value));
    });
  }

  /** Writes every scalar field of `section` found on the page. */
  function setSectionMetrics(name, section) {
    $$('[data-metric^="' + name + '."]').forEach((el) => {
      const path = el.getAttribute('data-metric').slice(name.length + 1).split('.');
      let value = section;
      for (const part of path) value = value && typeof value === 'object' ? value[part] : undefined;
      if (value !== null && typeof value === 'object') return; // lists are rendered separately
      setMetric(el.getAttribute('data-metric'), value);
    });
  }

  function fillList(key, items, makeItem, emptyText) {
    const list = $('[data-metric="' + key + '"]');
    if (!list) return;
    list.replaceChildren();
    const rows = Array.isArray(items) ? items : [];
    list.setAttribute('data-value', String(rows.length));
    if (rows.length === 0) {
      const li = document.createElement('li');
      li.className = 'muted';
      li.textContent = Array.isArray(items) ? emptyText : 'Not reported.';
      list.appendChild(li);
      return;
    }
    rows.forEach((item) => list.appendChild(makeItem(item)));
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // ---------------------------------------------------------------- cards

  function renderCard(name, section) {
    const card = $('[data-card="' + name + '"]');
    if (!card) return;
    const present = section && typeof section === 'object';
    const colour = present && COLOURS.includes(section.status) ? section.status : 'unknown';
    card.setAttribute('data-status', colour);
    card.classList.toggle('is-unavailable', !present);
    const thresholds = present && section.thresholds ? String(section.thresholds) : 'Not reported.';
    card.setAttribute('title', 'Thresholds: ' + thresholds);
    setSectionMetrics(name, present ? section : {});
    if (!present) setMetric(name + '.status', 'not available');
  }

  function renderSafetyLists(safety) {
    fillList('safety.topCategories', safety && safety.topCategories, (c) => {
      const li = el('li', 'mini-row');
      li.appendChild(el('span', 'mini-name', fmtWords(c.category)));
      li.appendChild(el('span', 'mini-value', fmtCount(c.count)));
      return li;
    }, 'No incidents.');
  }

  function renderBreakers(reliability) {
    fillList('reliability.breakers', reliability && reliability.breakers, (b) => {
      const li = el('li', 'mini-row');
      li.setAttribute('data-state', String(b.state));
      const name = el('span', 'mini-name', String(b.provider) + (b.model ? ' · ' + b.model : ''));
      const state = el('span', 'breaker-state', fmtWords(b.state));
      const rate = el('span', 'mini-value', isNum(b.failureRate) ? fmtPercent(b.failureRate) + '% fail' : '');
      li.append(name, state, rate);
      return li;
    }, 'No providers configured (built-in engine only).');
  }

  function renderTierMix(cost) {
    const mix = (cost && cost.tierMix) || {};
    const parts = ['local', 'fast', 'balanced'].map((k) => (isNum(mix[k]) ? Math.max(0, mix[k]) : 0));
    const total = parts.reduce((a, b) => a + b, 0);
    const svg = $('#tier-bar');
    let x = 0;
    ['local', 'fast', 'balanced'].forEach((k, i) => {
      const w = total > 0 ? (parts[i] / total) * 300 : 0;
      const rect = $('.tier-' + k, svg);
      rect.setAttribute('x', x.toFixed(2));
      rect.setAttribute('width', w.toFixed(2));
      x += w;
    });
    svg.setAttribute('aria-label', 'Model tier mix: ' + parts[0] + ' local, ' + parts[1] + ' fast, ' + parts[2] + ' balanced');
  }

  /** A spend bar; its colour thresholds are the server's (the card colour), only "spent" is red here. */
  function setMeter(id, fraction) {
    const fill = $('#' + id + ' .meter-fill');
    const f = isNum(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
    fill.setAttribute('width', (f * 300).toFixed(2));
    fill.setAttribute('class', 'meter-fill' + (f >= 1 ? ' is-high' : ''));
  }

  function renderOverview(data) {
    const pill = $('#overall-pill');
    pill.setAttribute('data-status', OVERALL_COLOUR[data.status] || 'unknown');
    setMetric('status', data.status);
    setMetric('summary', data.summary);
    setMetric('generatedAt', data.generatedAt || new Date().toISOString());
    document.body.setAttribute('data-overall', String(data.status || 'unknown'));
  }

  function renderRecommendations(recs) {
    fillList('recommendations', recs, (text) => el('li', null, String(text)),
      'Nothing to do: every area is within its thresholds.');
  }

  function renderDashboard(data) {
    renderOverview(data);
    CARDS.forEach((name) => renderCard(name, data[name]));
    renderSafetyLists(data.safety);
    renderBreakers(data.reliability);
    renderTierMix(data.cost);
    setMeter('meter-daily', data.budget && data.budget.dailyFraction);
    setMeter('meter-monthly', data.budget && data.budget.monthlyFraction);
    setSectionMetrics('bookings', data.bookings || {});
    setSectionMetrics('canary', data.canary || {});
    renderRecommendations(data.recommendations);
  }

  // ---------------------------------------------------------------- charts (hand-drawn SVG)

  // Chart geometry in viewBox units; narrow screens get a narrower viewBox so labels stay legible.
  const CHART = { h: 150, left: 40, right: 8, top: 10, bottom: 22 };
  const chartWidth = (svg) => (svg.clientWidth > 0 && svg.clientWidth < 480 ? 300 : 400);

  /** The smallest 1/2/5 × 10^k at or above `v` (at least `floor`). */
  function niceMax(v, floor) {
    const x = Math.max(v, floor);
    const p = Math.pow(10, Math.floor(Math.log10(x)));
    for (const m of [1, 2, 5, 10]) if (m * p >= x - 1e-12) return m * p;
    return 10 * p;
  }

  function svgEl(tag, attrs, text) {
    const node = document.createElementNS(SVG_NS, tag);
    Object.keys(attrs || {}).forEach((k) => node.setAttribute(k, String(attrs[k])));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function shortTime(iso) {
    const d = new Date(iso);
    return Number.isNaN(d.getTime()) ? '' : d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  }

  /**
   * Draws line series into `svg`. series: [{values, className}]; the first is also
   * shaded. `format` labels the y axis; `hoverText(i)` titles each minute column.
   */
  function drawChart(svg, points, series, format, hoverText) {
    const { h, left, right, top, bottom } = CHART;
    const w = chartWidth(svg);
    svg.setAttribute('viewBox', '0 0 ' + w + ' ' + h);
    const plotW = w - left - right, plotH = h - top - bottom;
    const n = points.length;
    const all = series.flatMap((s) => s.values).filter(isNum);
    const max = niceMax(all.length ? Math.max(...all) : 0, series[0].floor || 1);
    const xAt = (i) => left + (n <= 1 ? plotW : (i / (n - 1)) * plotW);
    const yAt = (v) => top + plotH - (Math.max(0, isNum(v) ? v : 0) / max) * plotH;
    svg.replaceChildren();
    [0, 0.5, 1].forEach((f) => {
      const y = top + plotH - f * plotH;
      svg.appendChild(svgEl('line', { x1: left, x2: w - right, y1: y, y2: y, class: 'grid' }));
      svg.appendChild(svgEl('text', { x: left - 4, y: y + 3, class: 'axis axis-y' }, format(max * f)));
    });
    if (n > 0) {
      svg.appendChild(svgEl('text', { x: left, y: h - 6, class: 'axis axis-x-start' }, shortTime(points[0].minute)));
      svg.appendChild(svgEl('text', { x: w - right, y: h - 6, class: 'axis axis-x-end' }, shortTime(points[n - 1].minute)));
    }
    series.forEach((s, si) => {
      if (n === 0) return;
      const coords = s.values.map((v, i) => xAt(i).toFixed(1) + ',' + yAt(v).toFixed(1));
      if (si === 0) {
        const area = 'M' + xAt(0).toFixed(1) + ',' + (top + plotH) + ' L' + coords.join(' L') +
          ' L' + xAt(n - 1).toFixed(1) + ',' + (top + plotH) + ' Z';
        svg.appendChild(svgEl('path', { d: area, class: 'area ' + s.className }));
      }
      svg.appendChild(svgEl('polyline', { points: coords.join(' '), class: 'line ' + s.className }));
    });
    const colW = n > 0 ? plotW / Math.max(1, n - 1) : 0;
    for (let i = 0; i < n; i += 1) {
      const hit = svgEl('rect', { x: Math.max(left, xAt(i) - colW / 2), y: top, width: colW, height: plotH, class: 'hit' });
      hit.appendChild(svgEl('title', {}, shortTime(points[i].minute) + ' — ' + hoverText(i)));
      svg.appendChild(hit);
    }
    if (n === 0) svg.appendChild(svgEl('text', { x: w / 2, y: h / 2, class: 'axis axis-empty' }, 'No data yet'));
  }

  const sum = (values) => values.reduce((a, v) => a + (isNum(v) ? v : 0), 0);
  const column = (points, key) => points.map((p) => (isNum(p[key]) ? p[key] : 0));

  function renderTimeseries(ts) {
    const points = Array.isArray(ts && ts.points) ? ts.points : [];
    const requests = column(points, 'requests');
    const p95 = column(points, 'p95Ms');
    const cost = column(points, 'costUsd');
    const blocks = column(points, 'blocks');
    const fallbacks = column(points, 'fallbacks');
    const bookings = column(points, 'bookings');
    const chart = (name) => $('[data-chart="' + name + '"] svg');
    drawChart(chart('requests'), points, [{ values: requests, className: 's-requests' }],
      (v) => fmtCount(Math.round(v)), (i) => requests[i] + ' requests, ' + bookings[i] + ' bookings');
    drawChart(chart('latency'), points, [{ values: p95, className: 's-latency', floor: 10 }],
      (v) => fmtMs(v), (i) => 'p95 ' + fmtMs(p95[i]) + ' ms');
    drawChart(chart('cost'), points, [{ values: cost, className: 's-cost', floor: 0.001 }],
      (v) => (v === 0 ? '0' : '$' + (v < 0.01 ? v.toFixed(4) : v.toFixed(2))), (i) => '$' + fmtUsd(cost[i]));
    drawChart(chart('incidents'), points,
      [{ values: blocks, className: 's-blocks' }, { values: fallbacks, className: 's-fallbacks' }],
      (v) => fmtCount(Math.round(v)), (i) => blocks[i] + ' blocks, ' + fallbacks[i] + ' fallbacks');
    setMetric('timeseries.requests', sum(requests));
    setMetric('timeseries.p95Ms', points.length ? Math.max(...p95) : 0);
    setMetric('timeseries.costUsd', Math.round(sum(cost) * 1e6) / 1e6);
    setMetric('timeseries.blocks', sum(blocks));
    setMetric('timeseries.fallbacks', sum(fallbacks));
  }

  // ---------------------------------------------------------------- page states

  function showNotice(text) {
    const notice = $('#notice');
    notice.textContent = text || '';
    notice.hidden = !text;
  }

  function setStale(reason) {
    const stale = Boolean(reason);
    $('#stale-banner').hidden = !stale;
    document.body.classList.toggle('is-stale', stale);
    if (!stale) return;
    const since = state.lastSuccess
      ? 'Figures below are from the last successful update at ' + fmtTime(state.lastSuccess) + '.'
      : 'No figures could be loaded yet.';
    $('#stale-text').textContent = reason + ' ' + since + ' Retrying every 10\u00a0s.';
  }

  function setRefreshState(name) {
    document.body.setAttribute('data-refresh-state', name);
  }

  function showLogin(show) {
    $('#dash-login').hidden = !show;
    $('#dash-content').hidden = show;
    $('#dash-signout').hidden = show || !getToken();
    if (show) $('#dash-login-password').focus();
  }

  function describeFailure(err) {
    if (err.status === 0) return 'The server could not be reached.';
    if (err.status === 429) return 'The server is rate limiting requests.';
    return 'The last refresh failed (' + err.message + ').';
  }

  // ---------------------------------------------------------------- refresh loop

  async function refresh() {
    if (state.inFlight) return;
    state.inFlight = true;
    state.lastAttempt = Date.now();
    try {
      const [dash, ts] = await Promise.allSettled([
        api('/api/dashboard'),
        api('/api/dashboard/timeseries?window=1h'),
      ]);
      handleDashboard(dash);
      if (dash.status === 'fulfilled') handleTimeseries(ts);
    } finally {
      state.inFlight = false;
    }
  }

  function handleDashboard(result) {
    if (result.status === 'fulfilled') {
      renderDashboard(result.value || {});
      state.lastSuccess = new Date();
      showLogin(false);
      showNotice('');
      setStale('');
      setRefreshState('ok');
      const count = Number(document.body.getAttribute('data-refresh-count')) || 0;
      document.body.setAttribute('data-refresh-count', String(count + 1));
      return;
    }
    const err = result.reason instanceof ApiError ? result.reason : new ApiError(0, 'error', 'Unexpected error.');
    if (err.status === 401 || err.status === 403) {
      setToken('');
      setStale('');
      showLogin(true);
      setRefreshState('unauthorized');
    } else if (err.status === 404) {
      showNotice('The dashboard is not available on this server yet.');
      setRefreshState('unavailable');
    } else {
      setStale(describeFailure(err));
      setRefreshState('stale');
    }
  }

  function handleTimeseries(result) {
    const note = $('#charts-note');
    if (result.status === 'fulfilled') {
      note.hidden = true;
      $('#charts').hidden = false;
      state.timeseries = result.value;
      renderTimeseries(result.value);
      return;
    }
    const err = result.reason;
    if (err && err.status === 404) {
      note.textContent = 'Last-hour charts are not available on this server yet.';
      $('#charts').hidden = true;
    } else {
      note.textContent = 'The charts could not be refreshed; they show the last figures received.';
      setStale(describeFailure(err || new ApiError(0, 'error', 'Unexpected error.')));
      setRefreshState('stale');
    }
    note.hidden = false;
  }

  function tick() {
    if (document.hidden) return; // paused while the tab is in the background
    refresh();
  }

  function onVisibilityChange() {
    if (!document.hidden && Date.now() - state.lastAttempt >= REFRESH_MS) refresh();
  }

  // ---------------------------------------------------------------- sign-in

  async function onLogin(event) {
    event.preventDefault();
    const input = $('#dash-login-password');
    const error = $('#dash-login-error');
    const button = $('#dash-login-submit');
    error.hidden = true;
    if (!input.value) {
      error.textContent = 'Enter the operator password.';
      error.hidden = false;
      return;
    }
    button.disabled = true;
    try {
      const data = await api('/api/auth/login', { method: 'POST', body: { password: input.value } });
      setToken(data && data.token ? data.token : '');
      input.value = '';
      showLogin(false);
      await refresh();
    } catch (err) {
      error.textContent = err.status === 401 ? 'That password is not right.' : err.message;
      error.hidden = false;
    } finally {
      button.disabled = false;
    }
  }

  function onSignOut() {
    setToken('');
    $('#dash-signout').hidden = true;
    refresh();
  }

  // ---------------------------------------------------------------- start

  function init() {
    $('#dash-login-form').addEventListener('submit', onLogin);
    $('#dash-signout').addEventListener('click', onSignOut);
    $('#refresh-now').addEventListener('click', () => refresh());
    $('#dash-signout').hidden = !getToken();
    document.addEventListener('visibilitychange', onVisibilityChange);
    setInterval(tick, REFRESH_MS);
    let resizeTimer = null;
    window.addEventListener('resize', () => {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(() => { if (state.timeseries) renderTimeseries(state.timeseries); }, 150);
    });
    refresh();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
