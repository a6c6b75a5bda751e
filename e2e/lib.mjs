// Shared helpers for the browser tests: Debian's Chromium through playwright-core, and
// axe-core run inside the page (by the DevTools protocol, so the site's CSP stays strict).
import { chromium } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export const BASE = process.env.LYHORD_E2E_BASE ?? 'http://127.0.0.1:8080';
export const PASSWORD = 'demo-lyhord-2026';

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
}

/** A fresh browser context in the given language; records every request and CSP report. */
export async function open(browser, { lang = 'sv', javaScriptEnabled = true, width = 1280 } = {}) {
  const context = await browser.newContext({
    locale: lang === 'en' ? 'en-GB' : 'sv-SE',
    extraHTTPHeaders: { 'Accept-Language': lang === 'en' ? 'en-GB,en;q=0.9' : 'sv-SE,sv;q=0.9' },
    javaScriptEnabled,
    viewport: { width, height: 900 },
  });
  const page = await context.newPage();
  page.requests = [];
  page.consoleErrors = [];
  page.on('request', (r) => page.requests.push(r.url()));
  // Pages answered with 401/404/422 on purpose; any other error (a CSP violation, a
  // script error) is a fault.
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource: the server responded with a status of')) {
      page.consoleErrors.push(m.text());
    }
  });
  return page;
}

/** WCAG 2.1 A and AA violations on the current page, as readable lines. */
export async function axeViolations(page) {
  const client = await page.context().newCDPSession(page);
  await client.send('Runtime.evaluate', { expression: axeSource });
  const { result } = await client.send('Runtime.evaluate', {
    expression: `axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
      .then(r => JSON.stringify(r.violations.map(v => v.id + ': ' + v.help + ' [' + v.nodes.map(n => n.target.join(' ')).join(', ') + ']')))`,
    awaitPromise: true,
    returnByValue: true,
  });
  return JSON.parse(result.value);
}

export async function signIn(page, username) {
  await page.goto(`${BASE}/staff/sign-in`);
  await page.fill('#username', username);
  await page.fill('#password', PASSWORD);
  await page.click('button[type=submit]');
  await page.waitForURL(`${BASE}/staff`);
}
