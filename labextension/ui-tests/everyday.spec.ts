/**
 * Everyday use (issue 15): a refused duplicate name keeps what was typed,
 * search finds descriptions, rows say what a script is and when it last ran,
 * one view per script, live output that follows in the order written, the
 * Preparing section of a dependency build, and a notification when a run
 * started here ends while its view is hidden.
 */
import { expect, Page, test } from '@playwright/test';
import path from 'path';

import { createScript, deleteScript, openLibrary, SCREENSHOTS, TOKEN, URL } from './helpers';

const LINES = 80;
/** Line i to stderr when i % 4 == 0, else to stdout, numbered, each flushed, a little apart. */
const NUMBERED = [
  'import sys, time',
  `for i in range(1, ${LINES + 1}):`,
  '    stream = sys.stderr if i % 4 == 0 else sys.stdout',
  '    stream.write(f"{i} {\'err\' if i % 4 == 0 else \'out\'}\\n")',
  '    stream.flush()',
  '    time.sleep(0.06)',
  ''
].join('\n');

const mainTabs = (page: Page, label: string) => page.locator('#jp-main-dock-panel .lm-TabBar-tab', { has: page.locator('.lm-TabBar-tabLabel', { hasText: new RegExp(`^${label}$`) }) });

test('the execution centre filters across scripts, shows a run, runs it again and compares two', async ({ page, request }) => {
  const headers = { Authorization: `token ${process.env.JUPYTER_TOKEN ?? ''}` };
  const base = `${process.env.JUPYTER_URL ?? ''}stellascript/api/v1`;
  const greeter = await createScript(request, { name: 'centre-greeter', language: 'bash', content: 'echo "hello ${1:-}" && cat /scripts/args.json\n' });
  const failing = await createScript(request, { name: 'centre-failing', language: 'bash', content: 'echo failing; exit 4\n' });
  for (const [id, args] of [[greeter, { who: 'ann' }], [greeter, { who: 'ben' }], [failing, {}]] as const) {
    const response = await request.post(`${base}/scripts/${id}/execute?wait=true`, { data: { arguments: args }, headers });
    expect(response.status(), await response.text()).toBe(200);
  }
  const panel = await openLibrary(page);
  await panel.locator('.jp-StellaScript-open-executions').click();
  const centre = page.locator('.jp-StellaScript-executionCentre:visible');
  const rows = centre.locator('.jp-StellaScript-centre-row');
  await expect(rows).toHaveCount(3);
  // Newest first, across scripts.
  await expect(rows.locator('.jp-StellaScript-centre-script')).toHaveText(['centre-failing', 'centre-greeter', 'centre-greeter']);
  await centre.locator('.jp-StellaScript-filter-status').selectOption('Failed');
  await expect(rows).toHaveCount(1);
  await expect(rows.first().locator('.jp-StellaScript-centre-script')).toHaveText('centre-failing');
  await centre.locator('.jp-StellaScript-filter-status').selectOption('');
  await centre.locator('.jp-StellaScript-filter-script').fill('centre-greeter');
  await expect(rows).toHaveCount(2);
  await centre.locator('.jp-StellaScript-filter-trigger').selectOption('ui');
  await expect(centre.locator('.jp-StellaScript-page-info')).toHaveText('No executions match.');
  await centre.locator('.jp-StellaScript-filter-trigger').selectOption('');
  await expect(rows).toHaveCount(2);
  // The older greeter run's page; Run again with its values.
  await rows.nth(1).click();
  const detail = centre.locator('.jp-StellaScript-execution-page');
  await expect(detail.locator('dd').nth(2)).toHaveText('who=ann');
  await expect(detail.locator('.jp-StellaScript-output')).toContainText('"who": "ann"');
  await page.screenshot({ path: path.join(SCREENSHOTS, 'execution-centre.png') });
  await detail.locator('.jp-StellaScript-run-again').click();
  await expect(rows).toHaveCount(3);
  await expect(rows.first().locator('.jp-StellaScript-centre-trigger')).toHaveText('ui');
  await expect(detail.locator('dd').nth(1)).toHaveText('Succeeded, exit code 0', { timeout: 120_000 });
  await expect(detail.locator('dd').nth(2)).toHaveText('who=ann');
  await centre.locator('.jp-StellaScript-filter-trigger').selectOption('ui');
  await expect(rows).toHaveCount(1);
  await centre.locator('.jp-StellaScript-filter-trigger').selectOption('');
  // Compare ann's and ben's runs side by side.
  await expect(rows).toHaveCount(3);
  await rows.nth(1).locator('input[type=checkbox]').check();
  await rows.nth(2).locator('input[type=checkbox]').check();
  await centre.locator('.jp-StellaScript-compare').click();
  const diff = centre.locator('.jp-StellaScript-output-diff');
  await expect(diff.locator('td.jp-StellaScript-diff-old', { hasText: '"who": "ann"' })).toBeVisible();
  await expect(diff.locator('td.jp-StellaScript-diff-new', { hasText: '"who": "ben"' })).toBeVisible();
  await page.screenshot({ path: path.join(SCREENSHOTS, 'execution-centre-compare.png') });
  await deleteScript(request, greeter);
  await deleteScript(request, failing);
});

test('a duplicate name is refused in the New dialog with the input kept', async ({ page, request }) => {
  const id = await createScript(request, { name: 'taken-name', language: 'bash', content: 'echo taken\n' });
  const panel = await openLibrary(page);
  await panel.locator('.jp-StellaScript-new').first().click();
  await page.locator('.jp-StellaScript-new-name').fill('taken-name');
  await page.locator('.jp-StellaScript-new-language').selectOption('bash');
  await page.locator('.jp-Dialog .jp-mod-accept').click();
  // Asked again: what was typed is still there, and why it was refused.
  await expect(page.locator('.jp-StellaScript-new-problem')).toContainText(`already has a script named 'taken-name' (id ${id})`);
  await expect(page.locator('.jp-StellaScript-new-name')).toHaveValue('taken-name');
  await expect(page.locator('.jp-StellaScript-new-language')).toHaveValue('bash');
  await page.screenshot({ path: path.join(SCREENSHOTS, 'new-dialog-duplicate-name.png') });
  await page.locator('.jp-StellaScript-new-name').fill('taken-name-2');
  await page.locator('.jp-Dialog .jp-mod-accept').click();
  await expect(page.locator('.jp-StellaScript-editor-label:visible')).toHaveText('taken-name-2 v1.0.0');
  const created = panel.locator('.jp-StellaScript-row[data-script-name="taken-name-2"]');
  await expect(created).toBeVisible();
  await deleteScript(request, (await created.getAttribute('data-script-id'))!);
  await deleteScript(request, id);
});

test('search finds a description; rows show description, tags, author and the last run', async ({ page, request }) => {
  const gate = await createScript(request, {
    name: 'log-gate',
    language: 'bash',
    content: 'echo gate\n',
    description: 'Fails a deploy when the error rate of its log is too high.',
    tags: ['deploy', 'logs']
  });
  const other = await createScript(request, { name: 'unrelated', language: 'bash', content: 'echo other\n', description: 'Rotates files.' });
  const panel = await openLibrary(page);
  await panel.locator('.jp-StellaScript-search').fill('error rate');
  const row = panel.locator('.jp-StellaScript-row[data-script-name="log-gate"]');
  await expect(row).toBeVisible();
  await expect(panel.locator('.jp-StellaScript-row')).toHaveCount(1);
  await expect(row.locator('.jp-StellaScript-description')).toHaveText('Fails a deploy when the error rate of its log is too high.');
  await expect(row.locator('.jp-StellaScript-tag-chip')).toHaveText(['deploy', 'logs']);
  await expect(row.locator('.jp-StellaScript-author')).toHaveText(/^by \S+/);
  await expect(row.locator('.jp-StellaScript-status')).toHaveText('never run');
  await row.locator('.jp-StellaScript-run').click();
  const run = page.locator('.jp-StellaScript-runView:visible');
  await run.locator('.jp-StellaScript-start').click();
  await expect(run.locator('.jp-StellaScript-output')).toHaveText('gate\n', { timeout: 120_000 });
  await expect(row.locator('.jp-StellaScript-status')).toHaveText('Succeeded');
  await expect(row.locator('.jp-StellaScript-last-run')).toHaveText('just now');
  await page.screenshot({ path: path.join(SCREENSHOTS, 'library-search-by-description.png') });
  await deleteScript(request, gate);
  await deleteScript(request, other);
});

test('one view per script, titled by its name, reused by Run and History', async ({ page, request }) => {
  const id = await createScript(request, { name: 'single-view', language: 'bash', content: 'echo one\n' });
  const panel = await openLibrary(page);
  const row = panel.locator('.jp-StellaScript-row[data-script-name="single-view"]');
  await row.locator('.jp-StellaScript-run').click();
  await expect(mainTabs(page, 'single-view')).toHaveCount(1);
  await row.locator('.jp-StellaScript-history').click();
  await expect(page.locator('.jp-StellaScript-historyView:visible')).toBeVisible();
  await row.locator('.jp-StellaScript-run').click();
  await expect(page.locator('.jp-StellaScript-runView:visible')).toBeVisible();
  await row.locator('.jp-StellaScript-run').click();
  await expect(mainTabs(page, 'single-view')).toHaveCount(1);
  // An old version's view says which version it is.
  const history = page.locator('.jp-StellaScript-section-history:visible');
  await history.click();
  await expect(page.locator('.jp-StellaScript-section-history.jp-mod-current')).toBeVisible();
  // The editor's tab is the script's name too (its tooltip names the entry file); an old version's is name@version.
  await page.locator('.jp-StellaScript-section-edit:visible').click();
  await expect(page.locator('.jp-StellaScript-editor-label:visible')).toHaveText('single-view v1.0.0');
  const editorTab = page.locator('#jp-main-dock-panel .lm-TabBar-tab[title*="script.sh"]');
  await expect(editorTab.locator('.lm-TabBar-tabLabel')).toHaveText('single-view');
  await expect(mainTabs(page, 'single-view')).toHaveCount(2); // the script's view and its editor, nothing named after script.sh
  await expect(mainTabs(page, 'script.sh')).toHaveCount(0);
  const updated = await request.put(`${URL}stellascript/api/v1/scripts/${id}`, { data: { content: 'echo two\n' }, headers: { Authorization: `token ${TOKEN}` } });
  expect(updated.status(), await updated.text()).toBe(200);
  await row.locator('.jp-StellaScript-history').click();
  await page.locator('.jp-StellaScript-historyView:visible tr[data-version="1.0.0"] .jp-StellaScript-open-version').click();
  await expect(page.locator('.jp-StellaScript-editor-label:visible')).toHaveText('single-view v1.0.0 (old version: read only)');
  await expect(mainTabs(page, 'single-view@1.0.0')).toHaveCount(1);
  await page.screenshot({ path: path.join(SCREENSHOTS, 'tabs-by-script-name.png') });
  await deleteScript(request, id);
});

test('live output follows the tail in the order written, with an elapsed clock and the row live', async ({ page, request }) => {
  const id = await createScript(request, { name: 'numbered', language: 'python', content: NUMBERED });
  const panel = await openLibrary(page);
  const row = panel.locator('.jp-StellaScript-row[data-script-name="numbered"]');
  await row.locator('.jp-StellaScript-run').click();
  const run = page.locator('.jp-StellaScript-runView:visible');
  await run.locator('.jp-StellaScript-start').click();
  const output = run.locator('.jp-StellaScript-output');
  await expect(output).toContainText('30 out', { timeout: 120_000 });
  await expect(run.locator('.jp-StellaScript-elapsed')).toHaveText(/^elapsed \d+:\d\d$/);
  await expect(row.locator('.jp-StellaScript-status')).toHaveText('Running');
  // Following: the newest line is in view while it runs.
  const atTail = () => output.evaluate(node => node.scrollHeight > node.clientHeight && node.scrollTop + node.clientHeight >= node.scrollHeight - 8);
  await expect.poll(atTail).toBe(true);
  await page.screenshot({ path: path.join(SCREENSHOTS, 'live-output-following.png') });
  // Scrolled up to read: it stays there.
  await output.evaluate(node => (node.scrollTop = 0));
  await expect(output).toContainText('61 out', { timeout: 60_000 });
  expect(await output.evaluate(node => node.scrollTop)).toBeLessThan(50);
  await expect(run.locator('.jp-StellaScript-summary .jp-StellaScript-status')).toHaveText('Succeeded', { timeout: 60_000 });
  await expect(run.locator('.jp-StellaScript-elapsed')).toHaveText('');
  const expected = Array.from({ length: LINES }, (_, index) => `${index + 1} ${(index + 1) % 4 === 0 ? 'err' : 'out'}`);
  expect((await output.textContent())!.trimEnd().split('\n')).toEqual(expected);
  await expect(output.locator('.jp-StellaScript-stderr').first()).toHaveText('4 err\n');
  // Reopened from the past executions: the stored record, in the same order.
  await run.locator('.jp-StellaScript-execution').first().click();
  await expect.poll(async () => (await output.textContent())!.trimEnd().split('\n')).toEqual(expected);
  await deleteScript(request, id);
});

test('a dependency build shows in the Preparing section, not in the output', async ({ page, request }) => {
  const name = process.env.PREP_PACKAGE ?? '';
  expect(name, 'PREP_PACKAGE: a package on the lab\'s local index (test_ui.py publishes it)').not.toBe('');
  const module = name.replace(/-/g, '_');
  const id = await createScript(request, {
    name: 'with-dependency',
    language: 'python',
    content: `import ${module}\nprint(${module}.VERSION)\n`,
    dependencies: [{ name }]
  });
  const panel = await openLibrary(page);
  await panel.locator('.jp-StellaScript-row[data-script-name="with-dependency"] .jp-StellaScript-run').click();
  const run = page.locator('.jp-StellaScript-runView:visible');
  await run.locator('.jp-StellaScript-start').click();
  const preparing = run.locator('.jp-StellaScript-preparing');
  await expect(preparing).toBeVisible({ timeout: 120_000 });
  await expect(preparing.locator('.jp-StellaScript-preparing-state')).toHaveText(/Preparing…|Prepared/);
  await page.screenshot({ path: path.join(SCREENSHOTS, 'preparing-dependency-build.png') });
  await expect(run.locator('.jp-StellaScript-output')).toHaveText('1.0.0\n', { timeout: 300_000 });
  await expect(preparing.locator('.jp-StellaScript-preparing-state')).toHaveText(/^Prepared \(\d+ messages?\)$/);
  await preparing.locator('summary').click();
  await expect(preparing.locator('.jp-StellaScript-preparing-log')).toContainText(`resolving 1 Python requirement(s) with pip`);
  await expect(run.locator('.jp-StellaScript-output .jp-StellaScript-stderr')).toHaveCount(0);
  await page.screenshot({ path: path.join(SCREENSHOTS, 'preparing-done.png') });
  await deleteScript(request, id);
});

test('a run waiting for a free container says so in the Preparing section', async ({ page, request }) => {
  // The lab's Bash pool may hold one container (test_ui.py): while one run holds it, the next waits.
  const holder = await createScript(request, { name: 'holds-the-pool', language: 'bash', content: 'echo holding\nsleep 6\n' });
  const waiter = await createScript(request, { name: 'waits-for-pool', language: 'bash', content: 'echo got it\n' });
  const panel = await openLibrary(page);
  await panel.locator('.jp-StellaScript-row[data-script-name="holds-the-pool"] .jp-StellaScript-run').click();
  await page.locator('.jp-StellaScript-runView:visible .jp-StellaScript-start').click();
  await expect(page.locator('.jp-StellaScript-runView:visible .jp-StellaScript-output')).toContainText('holding', { timeout: 120_000 });
  await panel.locator('.jp-StellaScript-row[data-script-name="waits-for-pool"] .jp-StellaScript-run').click();
  const run = page.locator('.jp-StellaScript-runView:visible');
  await run.locator('.jp-StellaScript-start').click();
  const preparing = run.locator('.jp-StellaScript-preparing');
  await expect(preparing).toBeVisible();
  await preparing.locator('summary').click();
  await expect(preparing.locator('.jp-StellaScript-preparing-log')).toContainText('waiting for a free container');
  await page.screenshot({ path: path.join(SCREENSHOTS, 'preparing-pool-wait.png') });
  await expect(run.locator('.jp-StellaScript-output')).toHaveText('got it\n', { timeout: 60_000 });
  await expect(preparing.locator('.jp-StellaScript-preparing-log')).toContainText('got a container after waiting');
  await deleteScript(request, holder);
  await deleteScript(request, waiter);
});

test('a run started here that ends while its view is hidden is announced', async ({ page, request }) => {
  const slow = await createScript(request, { name: 'background-run', language: 'bash', content: 'sleep 4\necho done\n' });
  const other = await createScript(request, { name: 'in-front', language: 'bash', content: 'echo front\n' });
  const panel = await openLibrary(page);
  await panel.locator('.jp-StellaScript-row[data-script-name="background-run"] .jp-StellaScript-run').click();
  await page.locator('.jp-StellaScript-runView:visible .jp-StellaScript-start').click();
  await expect(page.locator('.jp-StellaScript-runView:visible .jp-StellaScript-summary .jp-StellaScript-status')).toHaveText(/Queued|Running/);
  // Another script's view in front while it runs.
  await panel.locator('.jp-StellaScript-row[data-script-name="in-front"] .jp-StellaScript-run').click();
  await expect(mainTabs(page, 'in-front')).toHaveClass(/lm-mod-current/);
  const toast = page.locator('.Toastify__toast', { hasText: 'background-run finished: Succeeded (exit code 0)' });
  await expect(toast).toBeVisible({ timeout: 120_000 });
  await page.screenshot({ path: path.join(SCREENSHOTS, 'background-run-finished.png') });
  await toast.getByRole('button', { name: 'Show' }).click();
  await expect(mainTabs(page, 'background-run')).toHaveClass(/lm-mod-current/);
  await expect(page.locator('.jp-StellaScript-runView:visible .jp-StellaScript-output')).toHaveText('done\n');
  await deleteScript(request, slow);
  await deleteScript(request, other);
});

test('Stella Script commands are in the command palette; an empty library says how to start', async ({ page }) => {
  const panel = await openLibrary(page);
  // Every script of the tests above is deleted: the library is empty, and says how to start.
  const empty = panel.locator('.jp-StellaScript-empty-library');
  await expect(empty).toContainText('No scripts yet.');
  await expect(empty.locator('.jp-StellaScript-empty-new')).toHaveText('New script');
  await empty.locator('.jp-StellaScript-empty-sample').click();
  await expect(page.locator('.jp-Dialog', { hasText: 'New script from a sample' })).toBeVisible();
  await page.screenshot({ path: path.join(SCREENSHOTS, 'empty-library.png') });
  await page.locator('.jp-Dialog .jp-mod-reject').click();
  await expect(page.locator('.jp-Dialog')).toHaveCount(0);
  // The Launcher's card makes a new script. JupyterLab opens a Launcher by itself whenever the main area
  // is empty and the layout changes (launcher-extension), activating it, which takes the focus: the
  // modal command palette closes when it loses the focus or any command runs. So the Launcher is made
  // here, before the palette, and the palette then has nothing to race with.
  const card = page.locator('.jp-LauncherCard[data-category="Other"]:visible', { hasText: 'Stella Script' }).first();
  if (!(await page.locator('#jp-main-dock-panel .jp-Launcher').count())) {
    await page.locator('#jp-main-dock-panel .lm-TabBar-addButton').first().click({ timeout: 10_000 });
  }
  await expect(card).toBeVisible();
  await card.click({ timeout: 10_000 });
  await expect(page.locator('.jp-Dialog', { hasText: 'New script' })).toBeVisible();
  await page.locator('.jp-Dialog .jp-mod-reject').click({ timeout: 30_000 });
  await expect(page.locator('.jp-Dialog')).toHaveCount(0);
  // The palette from the View menu (a key press depends on where the focus is after the dialog).
  await page.locator('.lm-MenuBar-itemLabel', { hasText: /^View$/ }).click();
  await page.locator('.lm-Menu-itemLabel', { hasText: 'Activate Command Palette' }).click();
  const palette = page.locator('#command-palette');
  await palette.locator('input').fill('Stella Script');
  for (const label of ['Stella Script: New Script…', 'Stella Script: New Script from a Sample…', 'Stella Script: Show Script Library', 'Stella Script: Open Execution Centre', 'Stella Script: Run Current Script…']) {
    await expect(palette.locator('.lm-CommandPalette-itemLabel', { hasText: label })).toHaveCount(1);
  }
  await page.keyboard.press('Escape');
  await panel.locator('.jp-StellaScript-search').fill('no-such-script-anywhere', { timeout: 30_000 });
  await expect(panel.locator('.jp-StellaScript-empty')).toHaveText('No scripts match.');
});
