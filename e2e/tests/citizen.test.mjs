// The citizens' front door in a real browser: a complaint submitted by keyboard
// alone, the receipt, the tracking link and a message; axe-core on every citizen page in
// Swedish and English, including the form with its errors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, open, axeViolations } from '../lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const focused = (page) => page.evaluate(() => document.activeElement?.id || document.activeElement?.className || '');

/** Presses Tab until the element with `id` has focus. */
async function tabTo(page, id) {
  for (let i = 0; i < 80; i++) {
    if ((await focused(page)) === id) return;
    await page.keyboard.press('Tab');
  }
  assert.fail(`could not reach #${id} with the Tab key`);
}

test('a citizen submits a complaint with the keyboard alone and follows it', async () => {
  const page = await open(browser);
  await page.goto(`${BASE}/submit`);
  const opened = Date.now();
  // Radio groups take arrow keys; the first Tab into the group lands on its first option.
  await tabTo(page, 'kind-synpunkt');
  await page.keyboard.press('ArrowDown');
  assert.equal(await focused(page), 'kind-klagomal');
  await tabTo(page, 'category');
  await page.keyboard.type('Lekplatser');
  await tabTo(page, 'description');
  await page.keyboard.type('Gungan i Vasaparken har en trasig kedja.');
  await tabTo(page, 'email');
  await page.keyboard.type('anna@example.se');
  await tabTo(page, 'contact-email');
  await page.keyboard.press('Space');
  // People take a few seconds; the form refuses robots that do not.
  await page.waitForTimeout(Math.max(0, 3200 - (Date.now() - opened)));
  await tabTo(page, 'send');
  await page.keyboard.press('Enter');
  await page.waitForSelector('.case-number');
  const number = (await page.textContent('.case-number')).trim();
  assert.match(number, /^\d{4}-\d{6}$/);
  assert.deepEqual(await axeViolations(page), [], 'receipt');

  await tabTo(page, 'tracking-link');
  await page.keyboard.press('Enter');
  await page.waitForURL(`${BASE}/track`);
  assert.equal(await page.textContent('h1'), `Ärende ${number}`);
  assert.deepEqual(await axeViolations(page), [], 'tracking page');

  await tabTo(page, 'message');
  await page.keyboard.type('Kedjan är nu helt av.');
  await tabTo(page, 'send-message');
  await page.keyboard.press('Enter');
  await page.waitForSelector('text=Kedjan är nu helt av.');
  assert.ok(page.requests.every((url) => url.startsWith(BASE)), 'nothing loaded from elsewhere');
  assert.deepEqual(page.consoleErrors, []);
  await page.context().close();
});

test('an inhabitant takes part in a dialogue with the keyboard alone', async () => {
  const page = await open(browser);
  await page.goto(`${BASE}/dialogues`);
  await page.click('text=Ny lekplats i Bäckbyparken');
  await page.waitForSelector('#take-part');
  // Radio groups take arrow keys: the first Tab into the group lands on its first choice.
  await tabTo(page, await page.locator('main input[type=radio]').first().getAttribute('id'));
  await page.keyboard.press('ArrowDown');
  await tabTo(page, 'body');
  await page.keyboard.type('Ett vattenlek vore fint på sommaren.');
  await tabTo(page, 'gender');
  await page.keyboard.press('ArrowDown');
  await tabTo(page, 'email');
  await page.keyboard.type('lekfull@example.se');
  await page.keyboard.press('Enter');
  await page.waitForSelector('text=Tack för ditt bidrag');
  await page.goBack();
  await page.reload();
  assert.ok(await page.locator('text=Ett vattenlek vore fint på sommaren.').isVisible(), 'the proposal is shown to everyone');
  assert.ok(!(await page.content()).includes('lekfull@example.se'), 'the address is not');
  assert.deepEqual(page.consoleErrors, []);
  await page.context().close();
});

for (const lang of ['sv', 'en']) {
  test(`every citizen page passes axe-core in ${lang}`, async () => {
    const page = await open(browser, { lang });
    const statistics = `/statistics?node=vasteras.tn&period=${new Date().getFullYear()}`;
    for (const path of ['/', '/submit', '/submit?category=gatubelysning', '/paper-form', '/privacy', '/accessibility', '/track', '/statistics', statistics, '/statistics?period=nyss', '/register', '/register?from=yesterday']) {
      await page.goto(BASE + path);
      assert.equal(await page.getAttribute('html', 'lang'), lang, path);
      assert.deepEqual(await axeViolations(page), [], path);
    }
    // The dialogues, the open one's form with its errors, the decided one's redovisning.
    await page.goto(`${BASE}/dialogues`);
    assert.deepEqual(await axeViolations(page), [], '/dialogues');
    const dialogues = await page.locator('main a[href^="/dialogues/"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    assert.equal(dialogues.length, 3, 'the demo has an announced, an open and a decided dialogue');
    const [announced, opened, decided] = dialogues;
    for (const path of [announced, opened, decided, `${decided}/redovisning`]) {
      await page.goto(BASE + path);
      assert.equal(await page.getAttribute('html', 'lang'), lang, path);
      assert.deepEqual(await axeViolations(page), [], path);
    }
    await page.goto(BASE + announced);
    assert.equal(await page.locator('#take-part').count(), 0, 'not open yet: the plan, no form');
    await page.goto(BASE + opened);
    await page.fill('#email', 'not an address');
    await page.click('main form button[type=submit]');
    await page.waitForSelector('.error-summary');
    assert.ok(await page.locator('#email-error').isVisible());
    assert.deepEqual(await axeViolations(page), [], 'dialogue form with errors');
    await page.goto(`${BASE}/submit`);
    await page.waitForTimeout(3200);
    await page.click('button[type=submit]');
    await page.waitForSelector('.error-summary');
    assert.ok((await page.locator('.field-error').count()) >= 3);
    assert.deepEqual(await axeViolations(page), [], 'form with errors');
    // A category with its own questions asks them before the case is sent.
    await page.goto(`${BASE}/submit`);
    await page.check('#kind-felanmalan');
    await page.selectOption('#category', 'gatubelysning');
    await page.fill('#description', lang === 'sv' ? 'Lampan är släckt.' : 'The lamp is out.');
    await page.waitForTimeout(3200);
    await page.click('#send');
    await page.waitForSelector('#questions .field-error');
    assert.ok(await page.locator('#q_fel').isVisible(), 'the question is shown');
    assert.deepEqual(await axeViolations(page), [], 'form asking the category questions');
    // A personnummer in the text is pointed out, with a box to send it anyway.
    await page.goto(`${BASE}/submit`);
    await page.check('#kind-fraga');
    await page.selectOption('#category', 'bibliotek');
    await page.fill('#description', 'Mitt personnummer är 19121212-1212.');
    await page.waitForTimeout(3200);
    await page.click('#send');
    await page.waitForSelector('#personal_number_ok');
    assert.deepEqual(await axeViolations(page), [], 'form warning of a personnummer');
    // The receipt and the tracking page of a valid submission, with a picture attached.
    await page.check('#kind-berom');
    await page.selectOption('#category', 'bibliotek');
    await page.fill('#description', lang === 'sv' ? 'Tack för en fin utställning!' : 'Thank you for a lovely exhibition!');
    await page.fill('#email', 'visitor@example.se');
    await page.check('#contact-email');
    await page.setInputFiles('#attachments', { name: 'photo.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.7') });
    await page.waitForTimeout(3200);
    await page.click('#send');
    await page.waitForSelector('.case-number');
    assert.deepEqual(await axeViolations(page), [], 'receipt');
    await page.click('#tracking-link');
    await page.waitForSelector('.timeline');
    assert.deepEqual(await axeViolations(page), [], 'tracking page');
    await page.context().close();
  });
}

test('the form works without JavaScript and reflows at 320 pixels', async () => {
  const page = await open(browser, { javaScriptEnabled: false, width: 320 });
  await page.goto(`${BASE}/submit`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `the form overflows by ${overflow}px`);
  await page.check('#kind-fraga');
  await page.selectOption('#category', 'bibliotek');
  await page.fill('#description', 'När öppnar biblioteket på söndagar?');
  await page.check('#identity-anonymous');
  await page.setInputFiles('#attachments', { name: 'oppettider.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.7\n%test') });
  await page.waitForTimeout(3200);
  await page.click('button[type=submit]');
  await page.waitForSelector('.case-number');
  assert.match(await page.textContent('.warning'), /anonym/);
  assert.ok(await page.locator('text=oppettider.pdf').isVisible(), 'the receipt lists the attachment');
  await page.context().close();
});

test('the paper form prints without the site around it', async () => {
  const page = await open(browser);
  await page.goto(`${BASE}/paper-form`);
  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.locator('.site-header').isVisible(), false);
  assert.equal(await page.locator('.no-print').isVisible(), false);
  assert.equal(await page.locator('.paper').isVisible(), true);
  const pdf = await page.pdf({ format: 'A4' });
  assert.ok(pdf.length > 10_000, 'a printable document');
  await page.context().close();
});
