#!/usr/bin/env node
// Browser test of the operator dashboard and admin panel, in headless Chromium.
//
//   node dashboard.test.mjs --base http://127.0.0.1:PORT --password PW \
//     [--screenshot /path/shot.png] [--expect '{"safety.incidentsLast24h":"1","cancel":"CS-XXXXXX"}']
//     [--chromium /usr/bin/chromium] [--timeout 60]
//
// 1. /dashboard.html: waits for the first refresh (signing in if the server asks), checks
//    the six cards carry a green/yellow/red data-status, and that each expected
//    data-metric shows the expected text (or holds it as its raw data-value).
// 2. Screenshots: 1280×900 at --screenshot, and 390×844 at <name>-phone.png; the phone
//    page must not scroll sideways.
// 3. /admin.html: signs in; with "cancel" in --expect, finds that appointment, cancels it
//    with a reason through the inline form and waits for #admin-message to confirm.
// 4. The dashboard, left open meanwhile, must refresh again by itself within 15 s.
// Also: every figure of the cost, performance and budget cards equals the value of the
// /api/dashboard answer the page itself received (and cost today, budget spent and p95
// are non-zero); every card carries its thresholds as a hover title; the last-hour
// charts are SVG polylines with one point a minute; with /api/dashboard unreachable
// (requests aborted by interception) the page shows the stale banner and keeps the old
// figures, and recovers once the server answers again; in the admin panel an operator
// starts a canary and sees its stage and gate figures (reported as "canary").
// Console errors, uncaught page errors, CSP violations and 5xx responses fail the run.
// Prints one JSON line; exit 0 on success, 1 on any failure or after the time limit.
import path from 'node:path';
import { parseArgs } from 'node:util';

import { browserRun } from './browser_run.mjs';

const CARDS = ['system', 'safety', 'reliability', 'cost', 'performance', 'budget'];
const COLOURS = ['green', 'yellow', 'red'];
const CANCEL_REASON = 'Cancelled by the browser test';

// ---------------------------------------------------------------- arguments

function readArgs() {
  const { values } = parseArgs({
    options: {
      base: { type: 'string' },
      password: { type: 'string' },
      screenshot: { type: 'string' },
      expect: { type: 'string', default: '{}' },
      chromium: { type: 'string', default: process.env.CHROMIUM_PATH || '/usr/bin/chromium' },
      timeout: { type: 'string', default: '60' },
    },
    strict: true,
  });
  if (!values.base) throw new Error('--base is required (e.g. --base http://127.0.0.1:3000)');
  let expect;
  try { expect = JSON.parse(values.expect); } catch (err) { throw new Error('--expect is not valid JSON: ' + err.message); }
  if (!expect || typeof expect !== 'object' || Array.isArray(expect)) throw new Error('--expect must be a JSON object');
  const { cancel, ...metrics } = expect;
  if (cancel !== undefined && !values.password) throw new Error('"cancel" needs --password to sign in');
  return {
    base: values.base.replace(/\/+$/, ''), password: values.password, screenshot: values.screenshot,
    chromium: values.chromium, timeoutMs: Number(values.timeout) * 1000 || 60000,
    cancel: cancel === undefined ? undefined : String(cancel),
    metrics: Object.fromEntries(Object.entries(metrics).map(([k, v]) => [k, String(v)])),
  };
}

// ---------------------------------------------------------------- result & exit

const result = { ok: false, cards: 0, statuses: {}, checked: {}, screenshots: [] };
const problems = []; // console errors, page errors, CSP violations, 5xx answers
let adminPage = null;
const { launch, finish } = browserRun(result, problems);

// ---------------------------------------------------------------- page watchers

/** While true, /api/dashboard requests are aborted on purpose (the stale step). */
let blocking = false;
/** The last /api/dashboard answer (its `data`) the dashboard page received. */
let lastDashboard = null;

/** Records console errors, page errors, CSP violations and 5xx answers of one page. */
async function watch(page, label, origin) {
  await page.evaluateOnNewDocument(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') +
        ' at ' + (e.sourceFile || '?') + ':' + (e.lineNumber || '?'));
    });
  });
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const text = msg.text();
    // Chromium logs every 4xx/5xx fetch this way; 4xx are expected (401, 404 sections), 5xx are caught below.
    if (/^Failed to load resource: the server responded with a status of/.test(text)) return;
    // The stale step aborts requests on purpose.
    if (blocking && /^Failed to load resource: net::/.test(text)) return;
    problems.push(label + ' console: ' + text);
  });
  page.on('pageerror', (err) => problems.push(label + ' page error: ' + (err && err.message ? err.message : String(err))));
  page.on('response', (res) => {
    if (res.status() >= 500 && res.url().startsWith(origin)) problems.push(label + ' HTTP ' + res.status() + ' ' + res.url());
  });
  page.on('requestfailed', (req) => {
    const reason = req.failure() ? req.failure().errorText : 'failed';
    if (blocking && req.url().includes('/api/dashboard')) return;
    if (req.url().startsWith(origin) && reason !== 'net::ERR_ABORTED') problems.push(label + ' request failed: ' + req.url() + ' ' + reason);
  });
}

/** Awaits a puppeteer wait, turning its time-out into a message that says what was awaited. */
async function step(what, promise) {
  try {
    return await promise;
  } catch (err) {
    const detail = err && err.name === 'TimeoutError' ? '' : ': ' + (err && err.message ? err.message : String(err));
    throw new Error('timed out waiting for ' + what + detail);
  }
}

function failOnProblems(where) {
  if (problems.length) throw new Error(where + ': ' + problems[0] + (problems.length > 1 ? ' (+' + (problems.length - 1) + ' more)' : ''));
}

// ---------------------------------------------------------------- dashboard

async function waitForRefresh(page) {
  await step('the first dashboard refresh', page.waitForFunction(
    () => ['ok', 'stale', 'unauthorized', 'unavailable'].includes(document.body.getAttribute('data-refresh-state')),
    { timeout: 15000 },
  ));
  return page.evaluate(() => document.body.getAttribute('data-refresh-state'));
}

async function openDashboard(page, opts) {
  await page.goto(opts.base + '/dashboard.html', { waitUntil: 'domcontentloaded' });
  let state = await waitForRefresh(page);
  if (state === 'unauthorized' && opts.password) {
    await page.type('#dash-login-password', opts.password);
    await page.click('#dash-login-submit');
    await step('the dashboard sign-in', page.waitForFunction(
      () => document.body.getAttribute('data-refresh-state') !== 'unauthorized' ||
        !document.querySelector('#dash-login-error').hidden, { timeout: 15000 }));
    const error = await page.$eval('#dash-login-error', (n) => (n.hidden ? '' : n.textContent.trim()));
    if (error) throw new Error('dashboard sign-in failed: ' + error);
    state = await waitForRefresh(page);
  }
  if (state !== 'ok') {
    const why = await page.evaluate(() => (document.querySelector('#stale-banner:not([hidden]), #notice:not([hidden])') || {}).textContent || '');
    throw new Error('dashboard did not load (state ' + state + ')' + (why ? ': ' + why.trim().replace(/\s+/g, ' ') : ''));
  }
}

async function checkCards(page) {
  const cards = await page.$$eval('[data-card]', (nodes) => nodes.map((n) => ({ card: n.getAttribute('data-card'), status: n.getAttribute('data-status') })));
  for (const name of CARDS) {
    const found = cards.find((c) => c.card === name);
    if (!found) throw new Error('card "' + name + '" is missing');
    if (!COLOURS.includes(found.status)) throw new Error('card "' + name + '" has data-status "' + found.status + '", not green/yellow/red');
    result.statuses[name] = found.status;
  }
  result.cards = CARDS.length;
}

/** Reads every expected metric: its text and raw value. */
function readMetrics(page, keys) {
  return page.evaluate((list) => Object.fromEntries(list.map((key) => {
    const nodes = Array.from(document.querySelectorAll('[data-metric="' + CSS.escape(key) + '"]'));
    return [key, nodes.map((n) => ({ text: n.textContent.trim().replace(/\s+/g, ' '), value: n.getAttribute('data-value') }))];
  })), keys);
}

/** Figures move with traffic, so a mismatch is retried across refreshes (up to ~25 s). */
async function checkMetrics(page, expected) {
  const keys = Object.keys(expected);
  if (keys.length === 0) return;
  const deadline = Date.now() + 25000;
  for (;;) {
    const seen = await readMetrics(page, keys);
    // Raw values are compared as numbers when both are numbers: Rust prints 10.0 where JS prints 10.
    const same = (raw, want) => raw === want ||
      (raw !== null && raw.trim() !== '' && want.trim() !== '' && Number.isFinite(Number(want)) && Number(raw) === Number(want));
    const wrong = keys.filter((k) => !seen[k].some((m) => m.text === expected[k] || same(m.value, expected[k])));
    keys.forEach((k) => { result.checked[k] = seen[k].length ? seen[k][0].text : null; });
    if (wrong.length === 0) return;
    if (Date.now() > deadline) {
      const detail = wrong.map((k) => k + ' expected "' + expected[k] + '" but ' +
        (seen[k].length ? 'shows "' + seen[k][0].text + '" (raw ' + seen[k][0].value + ')' : 'no element has that data-metric'));
      throw new Error('metric mismatch: ' + detail.join('; '));
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Every card names its thresholds in the title shown on hover. */
async function checkThresholds(page) {
  const titles = await page.$$eval('[data-card]', (nodes) => nodes.map((n) => [n.getAttribute('data-card'), n.getAttribute('title') || '']));
  for (const [card, title] of titles) {
    if (!/^Thresholds: /.test(title) || /Not reported/.test(title) || title.length < 20) {
      throw new Error('card "' + card + '" has no thresholds on hover (title "' + title + '")');
    }
  }
  result.thresholds = titles.length;
}

/** The last-hour charts: SVG line charts with one point a minute and hover titles. */
async function checkCharts(page) {
  const charts = await page.$$eval('[data-chart]', (nodes) => nodes.map((n) => {
    const line = n.querySelector('svg polyline');
    const points = line ? line.getAttribute('points').trim().split(/\s+/).filter(Boolean) : [];
    const ys = points.map((p) => Number(p.split(',')[1]));
    return {
      chart: n.getAttribute('data-chart'), points: points.length,
      flat: ys.every((y) => y === ys[0]), hovers: n.querySelectorAll('svg rect.hit > title').length,
    };
  }));
  const requests = charts.find((c) => c.chart === 'requests');
  if (charts.length < 4) throw new Error('expected 4 charts, found ' + charts.length);
  for (const c of charts) {
    if (c.points < 60) throw new Error('chart "' + c.chart + '" has ' + c.points + ' points, not one a minute for an hour');
    if (c.hovers < 60) throw new Error('chart "' + c.chart + '" has ' + c.hovers + ' hover titles');
  }
  if (!requests || requests.flat) throw new Error('the requests chart is flat although requests were made');
  result.charts = Object.fromEntries(charts.map((c) => [c.chart, c.points]));
}

/** Figures of these cards are compared with the page's own /api/dashboard answer. */
const COMPARED = {
  cost: ['todayUsd', 'monthUsd', 'costPerConversationUsd', 'costPerBookingUsd', 'savingsUsd'],
  performance: ['p50Ms', 'p95Ms', 'p99Ms', 'requestsPerMinute', 'cacheHitRatio'],
  budget: ['dailySpentUsd', 'dailyLimitUsd', 'dailyFraction', 'monthlySpentUsd', 'monthlyLimitUsd', 'monthlyFraction', 'strategy'],
};
const NON_ZERO = ['cost.todayUsd', 'performance.p95Ms', 'budget.dailySpentUsd'];

/**
 * After a refresh, each compared figure's data-value must be the value of the answer the
 * page received; a refresh racing the read is retried on the next one.
 */
async function checkCardsMatchTheApi(page) {
  for (let attempt = 0; ; attempt++) {
    const before = await refreshCount(page);
    const answer = lastDashboard;
    const keys = Object.entries(COMPARED).flatMap(([card, fields]) => fields.map((f) => card + '.' + f));
    const seen = await readMetrics(page, keys);
    const after = await refreshCount(page);
    const wrong = [];
    const figures = {};
    for (const key of keys) {
      const [card, field] = key.split('.');
      const expected = answer && answer[card] ? answer[card][field] : undefined;
      const shown = seen[key].length ? seen[key][0] : null;
      figures[key] = shown ? shown.value : null;
      if (expected === undefined || !shown || shown.value !== String(expected)) {
        wrong.push(key + ': API ' + JSON.stringify(expected) + ', card ' + (shown ? '"' + shown.text + '" (raw ' + shown.value + ')' : 'missing'));
      }
    }
    if (wrong.length === 0 && before === after) {
      const zero = NON_ZERO.filter((k) => !(Number(answer[k.split('.')[0]][k.split('.')[1]]) > 0));
      if (zero.length) throw new Error('figures that should be non-zero after the traffic are 0: ' + zero.join(', '));
      result.api = figures;
      return;
    }
    if (attempt >= 2) throw new Error('cards differ from the API: ' + wrong.join('; '));
    await step('another dashboard refresh', page.waitForFunction(
      (n) => Number(document.body.getAttribute('data-refresh-count')) > n, { timeout: 15000 }, after));
  }
}

/** Server unreachable (requests aborted): the stale banner shows and the old figures stay; then it recovers. */
async function checkStale(page) {
  const keep = await page.$eval('[data-metric="cost.todayUsd"]', (n) => n.textContent.trim());
  blocking = true;
  await page.click('#refresh-now');
  await step('the stale state with the server unreachable', page.waitForFunction(
    () => document.body.getAttribute('data-refresh-state') === 'stale' && !document.querySelector('#stale-banner').hidden,
    { timeout: 15000 }));
  const banner = await page.$eval('#stale-banner', (n) => n.textContent.trim().replace(/\s+/g, ' '));
  const kept = await page.$eval('[data-metric="cost.todayUsd"]', (n) => n.textContent.trim());
  if (kept !== keep) throw new Error('stale figures were replaced: cost today "' + keep + '" became "' + kept + '"');
  if (!/could not be reached/.test(banner)) throw new Error('the stale banner does not say the server is unreachable: ' + banner);
  result.stale = banner;
  blocking = false;
  await page.click('#refresh-now');
  await step('recovery after the server answers again', page.waitForFunction(
    () => document.body.getAttribute('data-refresh-state') === 'ok' && document.querySelector('#stale-banner').hidden,
    { timeout: 15000 }));
}

const refreshCount = (page) => page.evaluate(() => Number(document.body.getAttribute('data-refresh-count')) || 0);

function phonePath(shot) {
  const ext = path.extname(shot) || '.png';
  return path.join(path.dirname(shot), path.basename(shot, ext) + '-phone' + ext);
}

async function takeScreenshots(page, shot) {
  await page.screenshot({ path: shot });
  result.screenshots.push(shot);
  await page.setViewport({ width: 390, height: 844 });
  await new Promise((r) => setTimeout(r, 300));
  const widths = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, view: window.innerWidth }));
  if (widths.scroll > widths.view + 1) throw new Error('phone layout scrolls sideways (' + widths.scroll + ' px wide in a ' + widths.view + ' px screen)');
  const phone = phonePath(shot);
  await page.screenshot({ path: phone });
  result.screenshots.push(phone);
  await page.setViewport({ width: 1280, height: 900 });
}

// ---------------------------------------------------------------- admin panel

async function signIn(page, opts) {
  await page.goto(opts.base + '/admin.html', { waitUntil: 'domcontentloaded' });
  await step('the admin page to start', page.waitForFunction(
    () => ['signed-in', 'signed-out'].includes(document.body.getAttribute('data-auth')), { timeout: 10000 }));
  await step('the sign-in form', page.waitForSelector('#login-password', { visible: true, timeout: 5000 }));
  await page.type('#login-password', opts.password);
  await page.click('#login-submit');
  await step('the admin tabs after sign-in', page.waitForFunction(() => {
    const tab = document.querySelector('#tab-appointments');
    const error = document.querySelector('#login-error');
    return (tab && tab.offsetParent !== null) || (error && !error.hidden);
  }, { timeout: 10000 }));
  const error = await page.$eval('#login-error', (n) => (n.hidden ? '' : n.textContent.trim()));
  if (error) throw new Error('admin sign-in failed: ' + error);
  result.signedIn = true;
}

/** Waits until the appointment list has answered; fails with the panel's own words if it cannot. */
async function waitForList(page) {
  await step('the appointment list', page.waitForFunction(() => {
    const note = document.querySelector('[data-note="appointments"]');
    const message = document.querySelector('#admin-message');
    return document.querySelector('#appt-summary').textContent.trim() !== 'Loading…' ||
      (note && !note.hidden) || (message && message.classList.contains('is-error'));
  }, { timeout: 10000 }));
  const problem = await page.evaluate(() => {
    const note = document.querySelector('[data-note="appointments"]');
    const message = document.querySelector('#admin-message');
    if (note && !note.hidden) return note.textContent.trim();
    return message.classList.contains('is-error') ? message.textContent.trim() : '';
  });
  if (problem) throw new Error('the appointment list did not load: ' + problem);
}

async function cancelAppointment(page, reference) {
  // Wait for the first page so that its late answer cannot replace the search result.
  await waitForList(page);
  await page.click('#appt-q', { clickCount: 3 });
  await page.type('#appt-q', reference);
  await page.click('#appt-search'); // marks the table aria-busy until the search has answered
  await step('the search for ' + reference, page.waitForSelector('#appt-table[aria-busy="false"]', { timeout: 10000 }));
  const row = 'tr[data-reference="' + reference + '"]';
  await step('row ' + reference + ' in the admin list', page.waitForSelector(row, { visible: true, timeout: 10000 }));
  await page.click(row);
  await step('the detail panel of ' + reference, page.waitForFunction((ref) => {
    const panel = document.querySelector('#appt-detail');
    return panel && !panel.hidden && panel.getAttribute('data-reference') === ref;
  }, { timeout: 10000 }, reference));
  const status = await page.$eval('#detail-status', (n) => n.getAttribute('data-value'));
  const cancel = await page.$('#appt-detail [data-action="cancel"]:not([hidden])');
  if (!cancel) throw new Error('appointment ' + reference + ' cannot be cancelled (status ' + status + ')');
  await cancel.click();
  await step('the reason field', page.waitForSelector('#status-reason', { visible: true, timeout: 5000 }));
  await page.type('#status-reason', CANCEL_REASON);
  await page.click('#status-submit');
  await step('#admin-message after the cancel', page.waitForFunction(
    () => /is-(success|error)/.test(document.querySelector('#admin-message').className), { timeout: 10000 }));
  const message = await page.$eval('#admin-message', (n) => ({ text: n.textContent.trim(), ok: n.classList.contains('is-success') }));
  if (!message.ok || !message.text.includes(reference) || !/cancelled/i.test(message.text)) {
    throw new Error('cancel did not succeed: ' + (message.text || 'no message'));
  }
  // The list is reloaded from the server: the row must now say cancelled.
  await step(reference + ' to show as cancelled in the reloaded list',
    page.waitForSelector(row + ' .badge[data-value="cancelled"]', { timeout: 10000 }));
  result.cancelled = reference;
  result.message = message.text;
}

/** Starts a canary from the panel and reads back its stage and gate figures. */
async function startCanary(page) {
  await page.click('#tab-canary');
  await step('the canary form', page.waitForSelector('#canary-start:not([disabled])', { visible: true, timeout: 10000 }));
  await page.select('#canary-candidate', 'professional');
  await page.select('#canary-stable', 'baseline');
  await page.click('#canary-start');
  await step('the canary gate figures', page.waitForSelector('#canary-gate-figures', { visible: true, timeout: 10000 }));
  const message = await page.$eval('#admin-message', (n) => ({ text: n.textContent.trim(), ok: n.classList.contains('is-success') }));
  if (!message.ok) throw new Error('canary start failed: ' + message.text);
  result.canary = await page.evaluate(() => {
    const status = {};
    const terms = Array.from(document.querySelectorAll('#canary-status dt'));
    terms.forEach((dt) => { status[dt.textContent.trim()] = dt.nextElementSibling.textContent.trim(); });
    const figures = {};
    document.querySelectorAll('#canary-gate-figures td[data-variant]').forEach((td) => {
      figures[td.getAttribute('data-variant') + '.' + td.getAttribute('data-figure')] = td.getAttribute('data-value');
    });
    return {
      stage: status.Stage, traffic: status['Traffic to candidate'], candidate: status.Candidate, stable: status.Stable,
      minSamples: document.querySelector('#canary-gate-min').getAttribute('data-value'),
      decision: (document.querySelector('#canary-gate-decision') || { textContent: '' }).textContent.trim(),
      figures,
    };
  });
  if (result.canary.stage !== '1' || result.canary.traffic !== '10 %') {
    throw new Error('canary started but shows stage ' + result.canary.stage + ' at ' + result.canary.traffic);
  }
  if (Object.keys(result.canary.figures).length < 14) throw new Error('gate figures missing: ' + JSON.stringify(result.canary.figures));
}

// ---------------------------------------------------------------- main

async function main() {
  const opts = readArgs();
  setTimeout(() => finish(false, 'timed out after ' + opts.timeoutMs / 1000 + ' s'), opts.timeoutMs);
  const origin = new URL(opts.base).origin;
  const browser = await launch(opts.chromium);

  const dash = await browser.newPage();
  await watch(dash, 'dashboard', origin);
  await dash.setRequestInterception(true);
  dash.on('request', (req) => {
    if (blocking && req.url().startsWith(origin + '/api/dashboard')) req.abort('connectionrefused');
    else req.continue();
  });
  dash.on('response', async (res) => {
    if (new URL(res.url()).pathname !== '/api/dashboard' || res.status() !== 200) return;
    try { lastDashboard = (await res.json()).data; } catch (_) { /* a body read after navigation */ }
  });
  await openDashboard(dash, opts);
  await checkCards(dash);
  await checkMetrics(dash, opts.metrics);
  await checkCardsMatchTheApi(dash);
  await checkThresholds(dash);
  await checkCharts(dash);
  if (opts.screenshot) await takeScreenshots(dash, opts.screenshot);
  await checkStale(dash);
  failOnProblems('dashboard');
  const firstCount = await refreshCount(dash);

  if (opts.password) {
    const admin = await browser.newPage();
    adminPage = admin;
    await watch(admin, 'admin', origin);
    await signIn(admin, opts);
    if (opts.cancel) await cancelAppointment(admin, opts.cancel);
    await startCanary(admin);
    failOnProblems('admin');
  }
  // The dashboard page stayed open meanwhile (paused while hidden): back in front, it must
  // refresh again by itself (every 10 s, at once if a refresh is overdue).
  await dash.bringToFront();
  await step('a second automatic dashboard refresh', dash.waitForFunction(
    (n) => Number(document.body.getAttribute('data-refresh-count')) > n, { timeout: 15000 }, firstCount));
  result.refreshes = await refreshCount(dash);
  failOnProblems('dashboard');
  await finish(true);
}

main().catch(async (err) => {
  // What the admin panel said when a step failed, to tell a slow list from an error.
  if (adminPage) {
    result.panel = await adminPage.evaluate(() => ({
      message: (document.querySelector('#admin-message') || {}).textContent || '',
      summary: (document.querySelector('#appt-summary') || {}).textContent || '',
      rows: Array.from(document.querySelectorAll('#appt-rows tr')).map((r) => r.getAttribute('data-reference')),
    })).catch(() => null);
  }
  finish(false, err && err.message ? err.message : String(err));
});
