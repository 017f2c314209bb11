/**
 * The Run form generated from a script's parameters: required markers,
 * defaults, a checkbox, a select, a secret picker; problems shown inline
 * before anything is sent, with what was typed kept; then a run with the
 * fixed values and its result. And free-form arguments that never drop input.
 */
import { expect, test } from '@playwright/test';
import path from 'path';

import { createScript, deleteScript, openLibrary, replaceEditorText, SCREENSHOTS, TOKEN, URL } from './helpers';

const CHECK = `# /// stellascript
# [parameters.url]
# type = "string"
# required = true
# pattern = "https?://.+"
# description = "Endpoint to check"
# [parameters.count]
# type = "integer"
# default = 2
# minimum = 1
# maximum = 5
# [parameters.verbose]
# type = "boolean"
# [parameters.mode]
# type = "enum"
# values = ["fast", "slow"]
# default = "fast"
# [parameters.token]
# type = "secret"
# description = "The API token to use"
# ///
import json

print(json.dumps(json.load(open("/scripts/args.json")), sort_keys=True))
`;

test('the Run form is generated from the parameters and checks them before running', async ({ page, request }) => {
  const id = await createScript(request, { name: 'param-check', language: 'python', content: CHECK });
  const headers = { Authorization: `token ${TOKEN}` };
  const secretMade = await request.post(`${URL}stellascript/api/v1/secrets`, { headers, data: { name: 'param-api', value: 'param-api-value-123' } });
  expect(secretMade.status(), await secretMade.text()).toBe(201);
  try {
    const panel = await openLibrary(page);
    const row = panel.locator('.jp-StellaScript-row[data-script-name="param-check"]');
    await expect(row).toHaveAttribute('title', /Parameters:\n• url \(string, required\) — Endpoint to check\n• count \(integer, default 2\)/);

    await row.locator('.jp-StellaScript-run').click();
    const run = page.locator('.jp-StellaScript-runView:visible');
    const field = (name: string) => run.locator(`.jp-StellaScript-param[data-parameter="${name}"]`);
    await expect(field('url').locator('.jp-StellaScript-required')).toBeVisible();
    await expect(field('count').locator('.jp-StellaScript-required')).toHaveCount(0);
    await expect(field('url')).toContainText('Endpoint to check');
    await expect(field('count').locator('input')).toHaveValue('2');
    await expect(field('verbose').locator('input[type="checkbox"]')).not.toBeChecked();
    await expect(field('mode').locator('select')).toHaveValue('fast');
    // The secret picker: a select of the secrets the caller may use.
    await expect(field('token').locator('.jp-StellaScript-secret-select')).toBeVisible();
    await expect(field('token').locator('.jp-StellaScript-secret-select option[value="param-api"]')).toHaveCount(1);
    await expect(run.locator('.jp-StellaScript-args-hint')).toContainText('Arguments arrive in /scripts/args.json');
    await expect(run.locator('.jp-StellaScript-args-hint code')).toHaveText('args = json.load(open("/scripts/args.json"))');

    // Problems are shown at their fields, nothing is sent, and every value stays.
    await field('url').locator('input').fill('ftp:/nowhere');
    await field('count').locator('input').fill('9');
    await run.locator('.jp-StellaScript-start').click();
    await expect(field('url').locator('.jp-StellaScript-field-error')).toHaveText('does not match the pattern https?://.+');
    await expect(field('count').locator('.jp-StellaScript-field-error')).toHaveText('greater than the maximum 5');
    await expect(run.locator('.jp-StellaScript-problem')).toHaveText('Not run: 2 problems are marked below.');
    await expect(run.locator('.jp-StellaScript-execution')).toHaveCount(0);
    await expect(field('count').locator('input')).toHaveValue('9');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'parameters-form-problems.png') });

    await field('url').locator('input').fill('https://example.org');
    await field('count').locator('input').fill('3');
    await field('verbose').locator('input').check();
    await field('mode').locator('select').selectOption('slow');
    await field('token').locator('.jp-StellaScript-secret-select').selectOption('param-api');
    await run.locator('.jp-StellaScript-start').click();
    await expect(run.locator('.jp-StellaScript-summary .jp-StellaScript-status')).toHaveText('Succeeded');
    await expect(run.locator('.jp-StellaScript-field-error:visible')).toHaveCount(0);
    await expect(run.locator('.jp-StellaScript-output')).toContainText('"count": "3", "mode": "slow"');
    await expect(run.locator('.jp-StellaScript-output')).toContainText('"token": "param-api", "url": "https://example.org", "verbose": "true"');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'parameters-form.png') });
  } finally {
    await deleteScript(request, id);
    await request.delete(`${URL}stellascript/api/v1/secrets/param-api`, { headers });
  }
});

test('free-form arguments never drop input', async ({ page, request }) => {
  const id = await createScript(request, {
    name: 'free-form',
    language: 'python',
    content: 'import json\n\nprint(json.dumps(json.load(open("/scripts/args.json")), sort_keys=True))\n'
  });
  try {
    const panel = await openLibrary(page);
    await panel.locator('.jp-StellaScript-row[data-script-name="free-form"] .jp-StellaScript-run').click();
    const run = page.locator('.jp-StellaScript-runView:visible');
    await expect(run.locator('.jp-StellaScript-title')).toHaveText('free-form (python)');
    const rows = run.locator('.jp-StellaScript-arguments .jp-StellaScript-kv-row');
    for (const [key, value] of [['', 'orphan'], ['who', 'one'], ['who', 'two']]) {
      await run.locator('.jp-StellaScript-add-argument').click();
      await rows.last().locator('.jp-StellaScript-key').fill(key);
      await rows.last().locator('.jp-StellaScript-value').fill(value);
    }
    await run.locator('.jp-StellaScript-add-variable').click();
    const variable = run.locator('.jp-StellaScript-kv-row').last();
    await variable.locator('.jp-StellaScript-key').fill('BAD=NAME');
    await variable.locator('.jp-StellaScript-value').fill('x');
    await run.locator('.jp-StellaScript-timeout').fill('-3');
    await run.locator('.jp-StellaScript-start').click();
    await expect(rows.nth(0).locator('.jp-StellaScript-field-error')).toHaveText('This value has no argument name.');
    await expect(rows.nth(2).locator('.jp-StellaScript-field-error')).toHaveText('who is given twice; keep one.');
    await expect(variable.locator('.jp-StellaScript-field-error')).toHaveText('A variable name cannot contain "=".');
    await expect(run.locator('.jp-StellaScript-timeout + .jp-StellaScript-field-error')).toHaveText('A timeout is a positive number of seconds.');
    await expect(run.locator('.jp-StellaScript-problem')).toHaveText('Not run: 4 problems are marked below.');
    await expect(run.locator('.jp-StellaScript-execution')).toHaveCount(0);
    await expect(rows).toHaveCount(3);
    await expect(rows.nth(0).locator('.jp-StellaScript-value')).toHaveValue('orphan');
    await variable.locator('.jp-StellaScript-remove').click();
    await run.locator('.jp-StellaScript-timeout').fill('30');

    await rows.nth(0).locator('.jp-StellaScript-key').fill('note');
    await rows.nth(0).locator('.jp-StellaScript-value').fill('line one\nline two');
    await rows.nth(2).locator('.jp-StellaScript-remove').click();
    await run.locator('.jp-StellaScript-start').click();
    await expect(run.locator('.jp-StellaScript-summary .jp-StellaScript-status')).toHaveText('Succeeded');
    await expect(run.locator('.jp-StellaScript-output')).toContainText('{"note": "line one\\nline two", "who": "one"}');
  } finally {
    await deleteScript(request, id);
  }
});

test('running from an editor with unsaved changes asks: Save and run, or Run saved version', async ({ page, request }) => {
  const id = await createScript(request, { name: 'unsaved-run', language: 'python', content: 'print("saved text")\n' });
  try {
    const panel = await openLibrary(page);
    await panel.locator('.jp-StellaScript-row[data-script-name="unsaved-run"] .jp-StellaScript-open').click();
    await expect(page.locator('.jp-StellaScript-editor-label:visible')).toHaveText('unsaved-run v1.0.0');
    const edited = '# /// stellascript\n# [parameters.who]\n# type = "string"\n# required = true\n# ///\nprint("edited text")\n';
    await replaceEditorText(page, edited);

    // Run saved version: the last saved version runs; the edits stay in the editor, unsaved.
    await page.locator('.jp-StellaScript-editor-run:visible').click();
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog).toContainText('has changes that are not saved');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'unsaved-run.png') });
    await dialog.locator('button', { hasText: 'Run saved version' }).click();
    let run = page.locator('.jp-StellaScript-runView:visible');
    await expect(run.locator('.jp-StellaScript-kv')).toHaveCount(2); // no parameters: free-form arguments and environment
    await run.locator('.jp-StellaScript-start').click();
    await expect(run.locator('.jp-StellaScript-output')).toHaveText('saved text\n');

    // Save and run: a new version with the edits (and their parameter), then its form.
    await page.locator('.lm-TabBar-tab[title*="script.py"]').click();
    await page.locator('.jp-StellaScript-editor-run:visible').click();
    await page.locator('.jp-Dialog button', { hasText: 'Save and run' }).click();
    await expect(page.locator('.jp-StellaScript-editor-label')).toHaveText('unsaved-run v1.0.1');
    run = page.locator('.jp-StellaScript-runView:visible');
    await expect(run.locator('.jp-StellaScript-run-version')).toHaveValue('1.0.1');
    await expect(run.locator('.jp-StellaScript-param[data-parameter="who"] .jp-StellaScript-required')).toBeVisible();
    await run.locator('.jp-StellaScript-param[data-parameter="who"] input').fill('me');
    await run.locator('.jp-StellaScript-start').click();
    await expect(run.locator('.jp-StellaScript-output')).toHaveText('edited text\n');

    // Save and run with text that does not compile: not saved as a version, so nothing runs; the text stays.
    const views = await page.locator('.jp-StellaScript-runView').count();
    await page.locator('.lm-TabBar-tab[title*="script.py"]').click();
    await replaceEditorText(page, 'def broken(:\n    pass\n');
    await page.locator('.jp-StellaScript-editor-run:visible').click();
    await page.locator('.jp-Dialog button', { hasText: 'Save and run' }).click();
    await expect(page.locator('.jp-StellaScript-editor-status:visible')).toHaveText(/1 problem: not saved as a version/);
    await expect(page.locator('.jp-StellaScript-editor-label:visible')).toHaveText('unsaved-run v1.0.1');
    await expect(page.locator('.jp-StellaScript-runView')).toHaveCount(views);
    await expect(page.locator('.jp-StellaScript-editor:visible .cm-content')).toContainText('def broken(:');
  } finally {
    await deleteScript(request, id);
  }
});
