#!/usr/bin/env node
// Browser test of the public website (static/index.html + script.js), in headless Chromium.
//
//   node index.test.mjs --base http://127.0.0.1:PORT [--screenshot /path/site.png]
//     [--chromium /usr/bin/chromium] [--timeout 60]
//
// 1. Services: the cards in #services-list are the services of GET /api/services (fetched
//    here too), in order, each with its hourly rate.
// 2. Contact form: a visitor sends a message; #contact-status must confirm it. The caller
//    checks through the operator API that the inquiry exists (name "Browser Test Visitor").
// 3. Chat widget on the built-in engine: asks for a clean on December 3, picks the first
//    proposed slot with its quick-reply button, gives name, phone and address, confirms
//    with the "Yes, book it" button and reads the booking reference from the confirmation.
// 4. At 390 px wide (a phone), with the chat open, the page does not scroll sideways.
// Console errors, uncaught page errors, CSP violations and 5xx responses fail the run.
// Prints one JSON line; exit 0 on success, 1 on any failure or after the time limit.
import { parseArgs } from 'node:util';

import { browserRun } from './browser_run.mjs';

const VISITOR = 'Browser Test Visitor';

function readArgs() {
  const { values } = parseArgs({
    options: {
      base: { type: 'string' },
      screenshot: { type: 'string' },
      chromium: { type: 'string', default: process.env.CHROMIUM_PATH || '/usr/bin/chromium' },
      timeout: { type: 'string', default: '60' },
    },
    strict: true,
  });
  if (!values.base) throw new Error('--base is required (e.g. --base http://127.0.0.1:3000)');
  return {
    base: values.base.replace(/\/+$/, ''), screenshot: values.screenshot, chromium: values.chromium,
    timeoutMs: Number(values.timeout) * 1000 || 60000,
  };
}

const result = { ok: false, services: [], transcript: [], screenshots: [] };
const problems = [];
const { launch, finish } = browserRun(result, problems);

async function watch(page, origin) {
  await page.evaluateOnNewDocument(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline'));
    });
  });
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const text = msg.text();
    if (/^Failed to load resource: the server responded with a status of 4/.test(text)) return;
    problems.push('console: ' + text);
  });
  page.on('pageerror', (err) => problems.push('page error: ' + (err && err.message ? err.message : String(err))));
  page.on('response', (res) => {
    if (res.status() >= 500 && res.url().startsWith(origin)) problems.push('HTTP ' + res.status() + ' ' + res.url());
  });
}

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

// ---------------------------------------------------------------- services

async function checkServices(page, base) {
  const response = await fetch(base + '/api/services');
  const body = await response.json();
  const services = Array.isArray(body.data) ? body.data : [];
  if (services.length === 0) throw new Error('GET /api/services returned no services');
  await step('the service cards from the API', page.waitForFunction(
    (n) => document.querySelectorAll('#services-list .service-card').length === n, { timeout: 10000 }, services.length));
  const cards = await page.$$eval('#services-list .service-card', (nodes) => nodes.map((n) => ({
    name: n.querySelector('h3').textContent.trim(),
    price: (n.querySelector('.price') || { textContent: '' }).textContent.trim(),
  })));
  services.forEach((s, i) => {
    const card = cards[i];
    if (card.name !== s.name) throw new Error('service card ' + (i + 1) + ' is "' + card.name + '", the API says "' + s.name + '"');
    if (typeof s.hourlyRate === 'number' && s.hourlyRate > 0) {
      const shown = Number(card.price.replace(/[^0-9.]/g, ''));
      if (shown !== s.hourlyRate) throw new Error(s.name + ' shows "' + card.price + '", the API says ' + s.hourlyRate + '/hour');
    }
  });
  result.services = cards;
}

// ---------------------------------------------------------------- contact form

async function sendContactForm(page) {
  await page.type('#contact-name', VISITOR);
  await page.type('#contact-email', 'visitor@example.com');
  await page.type('#contact-message', 'Do you clean offices on weekends?');
  await page.click('#contact-submit');
  await step('the contact form confirmation', page.waitForFunction(
    () => /is-(success|error)/.test(document.querySelector('#contact-status').className), { timeout: 10000 }));
  const status = await page.$eval('#contact-status', (n) => ({ text: n.textContent.trim(), ok: n.classList.contains('is-success') }));
  if (!status.ok) throw new Error('the contact form failed: ' + status.text);
  result.contact = status.text;
}

// ---------------------------------------------------------------- chat

const assistantCount = (page) => page.$$eval('#chat-log .msg-assistant', (n) => n.length);

async function lastAssistant(page) {
  return page.$$eval('#chat-log .msg-assistant', (n) => (n.length ? n[n.length - 1].textContent.trim() : ''));
}

/** Waits for the agent's next reply (one more assistant line, and the widget idle again). */
async function waitForReply(page, before, what) {
  await step('the agent\'s reply to ' + what, page.waitForFunction(
    (n) => document.querySelectorAll('#chat-log .msg-assistant').length > n &&
      document.querySelector('#chat-log').getAttribute('aria-busy') !== 'true',
    { timeout: 15000 }, before));
  const reply = await lastAssistant(page);
  result.transcript.push({ visitor: what, agent: reply.replace(/^Assistant: /, '') });
  return reply;
}

async function say(page, text) {
  const before = await assistantCount(page);
  await page.type('#chat-input', text);
  await page.click('#chat-send');
  return waitForReply(page, before, text);
}

async function clickQuickReply(page, match, what) {
  await step('quick-reply buttons (' + what + ')', page.waitForSelector('#chat-quick:not([hidden]) .quick-btn:not([disabled])', { visible: true, timeout: 10000 }));
  const buttons = await page.$$('#chat-quick .quick-btn');
  const labels = await Promise.all(buttons.map((b) => b.evaluate((n) => n.textContent.trim())));
  const index = labels.findIndex((l) => match.test(l));
  if (index < 0) throw new Error('no quick-reply button for ' + what + ' among ' + JSON.stringify(labels));
  const before = await assistantCount(page);
  await buttons[index].click();
  await waitForReply(page, before, labels[index] + ' (button)');
  return labels[index];
}

async function bookByChat(page) {
  await page.click('#chat-launcher');
  await step('the chat panel', page.waitForSelector('#chat-panel:not([hidden]) #chat-input', { visible: true, timeout: 10000 }));
  await step('the greeting', page.waitForFunction(
    () => document.querySelectorAll('#chat-log .msg-assistant').length > 0, { timeout: 10000 }));
  await say(page, 'standard cleaning 900 sq ft on December 3');
  result.slot = await clickQuickReply(page, /./, 'the first proposed slot');
  await say(page, "I'm Ana Ruiz 555-201-3344");
  await say(page, '12 Oak Street, Albany NY');
  await clickQuickReply(page, /^Yes, book it$/, 'the confirmation');
  await step('the booking confirmation card', page.waitForSelector('#chat-log .booked-card .reference', { visible: true, timeout: 10000 }));
  const reference = await page.$eval('#chat-log .booked-card .reference', (n) => n.textContent.trim());
  if (!/^CS-[A-Z0-9]{6}$/.test(reference)) throw new Error('the confirmation shows "' + reference + '", not a booking reference');
  result.reference = reference;
}

// ---------------------------------------------------------------- phone

async function checkPhone(page, shot) {
  await page.setViewport({ width: 390, height: 844 });
  await new Promise((r) => setTimeout(r, 300));
  const widths = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, view: window.innerWidth }));
  if (widths.scroll > widths.view + 1) throw new Error('at 390 px the page scrolls sideways (' + widths.scroll + ' px wide)');
  result.phoneWidth = widths.scroll;
  if (shot) {
    await page.screenshot({ path: shot });
    result.screenshots.push(shot);
  }
}

async function main() {
  const opts = readArgs();
  setTimeout(() => finish(false, 'timed out after ' + opts.timeoutMs / 1000 + ' s'), opts.timeoutMs);
  const origin = new URL(opts.base).origin;
  const browser = await launch(opts.chromium);
  const page = await browser.newPage();
  await watch(page, origin);
  await page.goto(opts.base + '/', { waitUntil: 'domcontentloaded' });
  await checkServices(page, opts.base);
  await sendContactForm(page);
  await bookByChat(page);
  await checkPhone(page, opts.screenshot);
  failOnProblems('website');
  await finish(true);
}

main().catch((err) => finish(false, err && err.message ? err.message : String(err)));
