// The thin web shell in a real browser: accessibility (WCAG 2.1 AA by axe-core) in Swedish
// and English, keyboard use, no JavaScript needed, nothing loaded from elsewhere.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, PASSWORD, launch, open, axeViolations, signIn } from '../lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

for (const lang of ['sv', 'en']) {
  test(`every shell page passes axe-core in ${lang}`, async () => {
    const page = await open(browser, { lang });
    const pages = [
      ['/', lang === 'sv' ? 'Lämna synpunkter' : 'Give feedback'],
      ['/staff/sign-in', lang === 'sv' ? 'Logga in som medarbetare' : 'Staff sign-in'],
      ['/no-such-page', lang === 'sv' ? 'Sidan finns inte' : 'Page not found'],
    ];
    for (const [path, heading] of pages) {
      await page.goto(BASE + path);
      assert.equal(await page.getAttribute('html', 'lang'), lang, path);
      assert.match(await page.textContent('h1'), new RegExp(heading), path);
      assert.deepEqual(await axeViolations(page), [], path);
    }
    // The form with its errors shown.
    await page.goto(`${BASE}/staff/sign-in`);
    await page.click('button[type=submit]');
    await page.waitForSelector('.error-summary');
    assert.equal(await page.locator('.field-error').count(), 2);
    assert.deepEqual(await axeViolations(page), [], 'sign-in with errors');
    await page.fill('#username', 'chef');
    await page.fill('#password', 'wrong password');
    await page.click('button[type=submit]');
    await page.waitForSelector('.error-summary');
    assert.equal(await page.inputValue('#username'), 'chef', 'what was typed is kept');
    assert.deepEqual(await axeViolations(page), [], 'sign-in refused');
    // The staff inbox.
    await signIn(page, 'chef');
    assert.ok(await page.locator('table tbody tr').count() > 0, 'the demo inbox has cases');
    assert.deepEqual(await axeViolations(page), [], 'staff inbox');
    assert.ok(page.requests.every((url) => url.startsWith(BASE)), `only same-origin requests: ${page.requests}`);
    assert.deepEqual(page.consoleErrors, [], 'no console errors (e.g. CSP violations)');
    await page.context().close();
  });
}

test('a member of staff signs in with the keyboard alone', async () => {
  const page = await open(browser);
  await page.goto(`${BASE}/staff/sign-in`);
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.className), 'skip-link', 'the skip link comes first');
  await page.keyboard.press('Enter');
  for (let i = 0; i < 10 && (await page.evaluate(() => document.activeElement.id)) !== 'username'; i++) {
    await page.keyboard.press('Tab');
  }
  assert.equal(await page.evaluate(() => document.activeElement.id), 'username');
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.notEqual(outline, 'none', 'focus is visible');
  await page.keyboard.type('handlaggare');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'password');
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press('Enter');
  await page.waitForURL(`${BASE}/staff`);
  assert.equal(await page.textContent('h1'), 'Min inkorg');
  await page.context().close();
});

test('everything works without JavaScript', async () => {
  const page = await open(browser, { javaScriptEnabled: false });
  await page.goto(`${BASE}/lang/en?back=/staff/sign-in`);
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  await page.fill('#username', 'registrator');
  await page.fill('#password', PASSWORD);
  await page.click('button[type=submit]');
  await page.waitForURL(`${BASE}/staff`);
  assert.equal(await page.textContent('h1'), 'My inbox');
  await page.click('text=Sign out');
  await page.waitForURL(`${BASE}/staff/sign-in`);
  await page.context().close();
});

test('pages reflow at 320 CSS pixels (400 % zoom) without horizontal scrolling', async () => {
  const page = await open(browser, { width: 320 });
  for (const path of ['/', '/staff/sign-in']) {
    await page.goto(BASE + path);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `${path} overflows by ${overflow}px`);
  }
  await signIn(page, 'chef');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `the inbox overflows by ${overflow}px; its table should scroll in its own region`);
  await page.context().close();
});
