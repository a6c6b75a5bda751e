// The staff workspace in a real browser: a phone complaint from registration to
// the answer the citizen reads, without JavaScript; axe-core (which needs JavaScript in the
// page) on every staff page in Swedish and English, with and without errors shown.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, PASSWORD, launch, open, axeViolations } from '../lib.mjs';

const FRESH = process.env.LYHORD_E2E_FRESH ?? BASE;
let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function signInAt(page, base, username) {
  await page.goto(`${base}/staff/sign-in`);
  await page.fill('#username', username);
  await page.fill('#password', PASSWORD);
  await page.click('button[type=submit]');
  await page.waitForURL(`${base}/staff`);
}

async function noViolations(page, what) {
  assert.deepEqual(await axeViolations(page), [], what);
}

/** Submits the form whose action ends with `/action` on the case page. */
async function submitAction(page, action) {
  await Promise.all([page.waitForLoadState('load'), page.click(`form[action$="/${action}"] button[type=submit]`)]);
}

test('a registrator registers a phone complaint; a handläggare answers it; the citizen reads the answer', async () => {
  const staff = await open(browser, { javaScriptEnabled: false });
  await signInAt(staff, FRESH, 'registrator');
  await staff.goto(`${FRESH}/staff/register`);
  assert.equal(await staff.textContent('h1'), 'Registrera ett ärende');
  await staff.click('#send');
  await staff.waitForSelector('.error-summary');
  assert.match(await staff.textContent('#channel-error'), /Välj hur ärendet kom in/);

  await staff.check('#channel-phone');
  await staff.check('#kind-klagomal');
  await staff.selectOption('#category', 'lekplatser');
  await staff.fill('#description', 'Gungan i Vasaparken har en trasig kedja. Ringde in.');
  await staff.fill('#name', 'Örjan Åström');
  await staff.fill('#email', 'orjan@example.se');
  await staff.check('#contact-email');
  await staff.click('#send');
  await staff.waitForURL(/\/staff\/cases\/\d{4}-\d{6}\?done=register/);
  const number = (await staff.textContent('h1')).match(/\d{4}-\d{6}/)[0];
  assert.match(await staff.textContent('#notice'), /Ärendet är registrerat/);

  // The receipt with the link, to read out or post to the citizen.
  await staff.click('text=Kvitto med länk för invånaren');
  const link = await staff.getAttribute('#tracking-link', 'href');
  assert.match(link, /\/track\/[0-9a-f]{64}$/);
  await staff.goBack();

  // Routed to the park unit's manager, preselected (S7).
  assert.match(await staff.locator('#assign-handler option[selected]').textContent(), /Johan Berg/);
  await submitAction(staff, 'assign');
  assert.match(await staff.textContent('#notice'), /Handläggaren är tilldelad/);
  await staff.click('text=Logga ut');
  await staff.waitForURL(`${FRESH}/staff/sign-in`);

  // The handläggare finds it at the top of the inbox.
  await signInAt(staff, FRESH, 'handlaggare');
  const first = staff.locator('table tbody tr').first();
  assert.equal(await first.locator('th a').textContent(), number);
  await first.locator('th a').click();
  await staff.waitForURL(`${FRESH}/staff/cases/${number}`);

  await staff.selectOption('#log-contact-method', 'phone');
  await staff.fill('#log-contact-summary', 'Ringde Örjan och fick veta vilken gunga det gäller.');
  await submitAction(staff, 'log-contact');
  assert.match(await staff.textContent('#notice'), /Kontakten är antecknad/);

  await staff.fill('#answer-message', 'Hej Örjan! Kedjan är utbytt i dag. Tack för att du hörde av dig.');
  await submitAction(staff, 'answer');
  assert.match(await staff.textContent('#notice'), /Svaret är sparat/);

  await submitAction(staff, 'close');
  await staff.waitForSelector('.error-summary');
  assert.match(await staff.textContent('#close-summary-error'), /Fyll i/);
  await staff.fill('#close-summary', 'Kedjan utbytt.');
  await submitAction(staff, 'close');
  assert.match(await staff.textContent('.lead'), /Avslutat/);
  await staff.context().close();

  const citizen = await open(browser, { javaScriptEnabled: false });
  await citizen.goto(link);
  await citizen.waitForURL(`${FRESH}/track`);
  const text = await citizen.textContent('main');
  assert.ok(text.includes('Kedjan är utbytt i dag.'), 'the citizen reads the answer');
  assert.ok(!text.includes('Ringde Örjan'), 'what staff noted stays with staff');
  await citizen.context().close();
});

test('a dialogue from plan to feedback, without JavaScript: co-decision needs its political decision', async () => {
  const staff = await open(browser, { javaScriptEnabled: false });
  await signInAt(staff, FRESH, 'chef');
  const day = (offset) => new Date(Date.now() + offset * 86400000).toISOString().slice(0, 10);
  await staff.goto(`${FRESH}/staff/dialogues/new`);
  const fields = {
    title: 'Nya träd på Vasagatan', purpose: 'Att höra vilka träd de boende vill ha.',
    question: 'Vilka träd ska planteras?', open_to_influence: 'Trädslag; inte antalet.',
    decision_matter: 'Trädplan för Vasagatan', decider: 'Tekniska nämnden',
    use_of_results: 'Underlag till trädplanen.', opens_on: day(0), closes_on: day(7),
    target_groups: 'Boende och näringsidkare längs gatan.', feedback_plan: 'E-post och sidan.',
  };
  for (const [id, value] of Object.entries(fields)) await staff.fill(`#${id}`, value);
  await staff.selectOption('#decision_node', 'vasteras.tn');
  await staff.check('#methods-comments');
  await staff.selectOption('#ladder', 'medbestammande');
  await staff.click('form[action="/staff/dialogues/new"] button[type=submit]');
  await staff.waitForURL(/\/staff\/dialogues\/[0-9a-f-]{36}$/);
  const plan = new URL(staff.url()).pathname;
  await staff.click('button[name=publish]');
  await staff.waitForSelector('#political_body-error');
  assert.match(await staff.textContent('#political_body-error'), /politiska beslut/);
  await staff.fill('#political_body', 'Kommunfullmäktige');
  await staff.fill('#political_date', '2026-02-05');
  await staff.fill('#political_paragraph', '12');
  await staff.click('button[name=publish]');
  await staff.waitForURL(`${FRESH}${plan}`);
  await staff.goto(`${FRESH}${plan}/work`);
  await staff.selectOption('#question_kind', 'single');
  await staff.fill('#question_text', 'Vilket träd?');
  await staff.fill('#question_options', 'Lind\nEk\nKörsbär');
  await staff.click(`form[action="${plan}/questions"] button[type=submit] >> nth=-1`);
  await staff.waitForSelector('text=Vilket träd? (Ett svarsalternativ: Lind, Ek, Körsbär)');

  // An inhabitant takes part, leaving an address for feedback.
  const citizen = await open(browser, { javaScriptEnabled: false });
  const page = plan.replace('/staff', '');
  await citizen.goto(`${FRESH}${page}`);
  await citizen.check('text="Ek"');
  await citizen.check('#kind-proposal');
  await citizen.fill('#body', 'Ekar lever länge och ger skugga.');
  await citizen.fill('#email', 'trad@example.se');
  await citizen.click('main form button[type=submit]');
  await citizen.waitForSelector('text=Tack för ditt bidrag');

  // Staff hide nothing here, but put it in a theme, consider it, and record the decision.
  await staff.goto(`${FRESH}${plan}/work`);
  await staff.fill('#theme_name', 'Trädslag');
  await staff.click(`form[action="${plan}/themes"] button[type=submit] >> nth=-1`);
  await staff.waitForSelector('#theme-of-1');
  await staff.selectOption('#theme-of-1', { label: 'Trädslag' });
  await staff.selectOption('#consideration-of-1', 'beaktad');
  await staff.fill('#reason-of-1', 'Ekar planteras.');
  await staff.click(`form[action="${plan}/consider"] button[type=submit]`);
  await staff.waitForURL(`${FRESH}${plan}/work`);
  await staff.fill('#decided_on', day(0));
  await staff.fill('#outcome', 'Tolv ekar planteras längs Vasagatan.');
  await staff.click(`form[action="${plan}/outcome"] button[type=submit]`);
  // Still open: the decision asks why it comes early, and keeps what was typed.
  await staff.waitForSelector('#decision_reason-error');
  assert.equal(await staff.inputValue('#outcome'), 'Tolv ekar planteras längs Vasagatan.');
  await staff.fill('#decision_reason', 'Planteringen måste ske i höst.');
  await staff.click(`form[action="${plan}/outcome"] button[type=submit]`);
  await staff.waitForSelector('text=Återkopplingen är skickad');

  // The public page shows the decision; the redovisning how the proposal was considered.
  await citizen.goto(`${FRESH}${page}`);
  assert.match(await citizen.textContent('main'), /Tolv ekar planteras längs Vasagatan/);
  await citizen.click('text=Redovisning av dialogen');
  const text = await citizen.textContent('main');
  assert.match(text, /Ekar lever länge och ger skugga/);
  assert.match(text, /Beaktad/);
  assert.match(text, /Planteringen måste ske i höst/);
  assert.ok(!text.includes('trad@example.se'), 'the address is never shown');
  await staff.context().close();
  await citizen.context().close();
});

for (const lang of ['sv', 'en']) {
  test(`every staff page passes axe-core in ${lang}`, async () => {
    // The case work as Tekniska kontoret's manager; the settings, held mail and the
    // kontaktcenter's e-mail case as the administrator, who is granted the
    // Stadsledningskontoret and reads no other nämnd's cases.
    let page = await open(browser, { lang });
    await signInAt(page, BASE, 'chef');
    const visit = async (path, what) => {
      await page.goto(BASE + path);
      assert.equal(await page.getAttribute('html', 'lang'), lang, path);
      await noViolations(page, what ?? path);
    };
    await visit('/staff');
    await visit('/staff?kind=klagomal&page=2', 'filtered inbox, page 2');
    await visit('/staff/search?q=Vasaparken', 'search');
    await visit('/staff/diarium', 'the register of cases');
    await visit('/staff/diarium?subject=park&page=2', 'the register, searched, page 2');
    await visit('/staff/register');
    await page.click('#send');
    await page.waitForSelector('.error-summary');
    await noViolations(page, 'register form with errors');
    await page.goto(`${BASE}/staff`);
    const first = await page.locator('table tbody tr th a').first().textContent();
    await visit(`/staff/cases/${first}`, 'case page');
    await submitAction(page, 'note');
    await page.waitForSelector('.error-summary');
    await noViolations(page, 'case page with an error');
    await visit(`/staff/cases/${first}/receipt`, 'receipt');
    // The manager's view, a case with reminders and escalations (the worker gives
    // them shortly after start), and a formal matter with its delay notice form.
    await visit('/staff/manager', 'manager view');
    let alerted = null;
    for (let i = 0; i < 100 && !alerted; i++) {
      await page.goto(`${BASE}/staff`);
      const marked = page.locator('tr:has(.mark.alert) th a');
      // A different case in each language: the first run makes its case formal.
      const nth = lang === 'sv' ? 0 : 1;
      if (await marked.count() > nth) alerted = await marked.nth(nth).textContent();
      else await page.waitForTimeout(200);
    }
    assert.ok(alerted, 'the inbox marks a case with a reminder or escalation');
    await visit(`/staff/cases/${alerted}`, 'case page with reminders');
    assert.ok(await page.locator('#alerts-heading').isVisible(), 'the case page lists them');
    // The analysis form with an error, reports, improvement actions, causes.
    await submitAction(page, 'analyse');
    await page.waitForSelector('.error-summary');
    await noViolations(page, 'analysis form with an error');
    await page.goto(`${BASE}/staff/cases/${alerted}`);
    await visit(`/staff/reports?node=vasteras.tk&period=${new Date().getFullYear()}`, 'report for a förvaltning');
    await visit('/staff/reports?node=vasteras.tk&period=T9', 'report with an error');
    await visit('/staff/improvements', 'improvement actions');
    await visit('/staff/improvements/new', 'new improvement action');
    await page.click('form button[type=submit] >> nth=-1');
    await page.waitForSelector('.error-summary');
    await noViolations(page, 'improvement action with errors');
    await visit('/staff/analysis', 'causes and routines');
    // Dialogues, a plan, the work page, a plan with errors, the population.
    await visit('/staff/dialogues', 'dialogues');
    const plan = await page.locator('ul.dialogue-list a').first().getAttribute('href');
    await visit(plan, 'a dialogue plan');
    await visit(`${plan}/work`, 'working on a dialogue');
    await visit(`${plan}/redovisning`, 'the redovisning, staff preview');
    await visit('/staff/dialogues/new', 'new dialogue');
    await page.click('form[action="/staff/dialogues/new"] button[type=submit]');
    await page.waitForSelector('.error-summary');
    await noViolations(page, 'new dialogue with errors');
    await page.goto(`${BASE}/staff/cases/${alerted}`);
    await submitAction(page, 'make-formal');
    await page.waitForSelector('.error-summary');
    await noViolations(page, 'making a formal matter, with errors');
    const target = new Date(Date.now() + 20 * 86400000).toISOString().slice(0, 10);
    await page.fill('#make-formal-reason', 'Ansökan');
    await page.fill('#make-formal-date', target);
    await submitAction(page, 'make-formal');
    await page.waitForSelector('#h-notify-delay');
    await noViolations(page, 'a formal matter with its delay notice form');
    assert.deepEqual(page.consoleErrors, [], 'no console errors (e.g. CSP violations)');
    await page.context().close();
    page = await open(browser, { lang });
    await signInAt(page, BASE, 'admin');
    await visit('/staff/quarantine', 'suspected spam');
    assert.ok(await page.locator('text=nyheter@example.org').isVisible(), 'held e-mail is listed');
    await visit('/staff/population', 'population');
    await visit(`/staff/cases/${process.env.LYHORD_E2E_MAIL_CASE}`, 'a case from e-mail');
    await page.waitForSelector('#mail-heading');
    for (const section of ['', '/org', '/categories', '/policy', '/templates', '/mail', '/mail?edit=answer.sv', '/users', '/api-keys']) {
      await visit(`/staff/admin${section}`);
    }
    await page.goto(`${BASE}/staff/admin/mail?edit=answer.sv`);
    await page.fill('#body', 'Inget meddelande');
    await page.click('form[action="/staff/admin/mail"] button[type=submit] >> nth=0');
    await page.waitForSelector('.error-summary');
    await noViolations(page, 'mail template with an error');
    await page.goto(`${BASE}/staff/admin/users`);
    await page.locator('td a').first().click();
    await noViolations(page, 'editing an account');
    await page.goto(`${BASE}/staff/admin/api-keys`);
    await page.click('form[action="/staff/admin/api-keys"] button[type=submit]');
    await page.waitForSelector('.error-summary');
    await noViolations(page, 'API key form with an error');
    await page.fill('#name', `Test ${lang}`);
    await page.click('form[action="/staff/admin/api-keys"] button[type=submit]');
    await page.waitForSelector('#secret');
    await noViolations(page, 'a new key shown once');
    // After a breach: the form, a window's list, and a window typed wrong.
    const today = new Date().toISOString().slice(0, 10);
    await visit('/staff/admin/breach', 'breach report form');
    await visit(`/staff/admin/breach?from=2026-01-01&to=${today}`, 'breach report');
    await visit(`/staff/admin/breach?from=yesterday&to=${today}`, 'breach report with an error');
    // Gallring: the decisions and rules in force, a decision with errors, a planned run.
    await visit('/staff/gallring', 'gallring');
    await page.click('form[action="/staff/gallring/decisions"] button[type=submit]');
    await page.waitForSelector('.error-summary');
    await noViolations(page, 'gallring decision with errors');
    await page.click('form[action="/staff/gallring/runs"] button[type=submit]');
    await page.waitForURL(/\/staff\/gallring\/runs\//);
    await noViolations(page, 'a planned gallring run');
    assert.deepEqual(page.consoleErrors, [], 'no console errors (e.g. CSP violations)');
    await page.context().close();
  });
}

test('staff pages reflow at 320 CSS pixels', async () => {
  const page = await open(browser, { width: 320 });
  await signInAt(page, BASE, 'handlaggare');
  const first = await page.locator('table tbody tr th a').first().textContent();
  for (const path of ['/staff', '/staff/search', `/staff/cases/${first}`, '/staff/register']) {
    await page.goto(BASE + path);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `${path} overflows by ${overflow}px`);
  }
  await page.context().close();
});
