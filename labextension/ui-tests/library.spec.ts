/**
 * The script library end to end, in a real JupyterLab with the real server
 * extension (containers run the scripts): create a script, save a second
 * version from the editor, see the diff, run it with an argument and see its
 * output, and see a validation error at its line in the editor.
 */
import { expect, test } from '@playwright/test';
import path from 'path';

import { openLibrary, replaceEditorText, SCREENSHOTS, TOKEN, URL } from './helpers';

test('create, version, diff, run and validate a script from the library panel', async ({ page, request }) => {
  const panel = await openLibrary(page);
  await expect(panel.locator('.jp-StellaScript-empty')).toBeVisible();

  // New script from the Python template.
  await panel.locator('.jp-StellaScript-new').click();
  await page.locator('.jp-StellaScript-new-name').fill('greeter');
  await page.locator('.jp-StellaScript-new-language').selectOption('python');
  await page.locator('.jp-Dialog .jp-mod-accept').click();
  const label = page.locator('.jp-StellaScript-editor-label:visible');
  await expect(label).toHaveText('greeter v1.0.0');
  const row = panel.locator('.jp-StellaScript-row[data-script-name="greeter"]');
  await expect(row.locator('.jp-StellaScript-version')).toHaveText('v1.0.0');
  await expect(row.locator('.jp-StellaScript-language')).toHaveText('python');

  // Ctrl+S in JupyterLab's editor saves the file and makes version 1.0.1.
  await replaceEditorText(page, 'import json\n\nargs = json.load(open("/scripts/args.json"))\nprint("Hi " + args.get("name", "nobody"))\n');
  await page.keyboard.press('Control+s');
  await expect(page.locator('.jp-StellaScript-editor-status:visible')).toHaveText('Saved as v1.0.1');
  await expect(label).toHaveText('greeter v1.0.1');
  await expect(row.locator('.jp-StellaScript-version')).toHaveText('v1.0.1');

  // History: the diff of 1.0.0 and 1.0.1, side by side.
  await row.locator('.jp-StellaScript-history').click();
  const history = page.locator('.jp-StellaScript-historyView:visible');
  await expect(history.locator('.jp-StellaScript-versions tbody tr')).toHaveCount(2);
  await expect(history.locator('.jp-StellaScript-diff-left')).toHaveValue('1.0.0');
  await expect(history.locator('.jp-StellaScript-diff-right')).toHaveValue('1.0.1');
  await expect(history.locator('td.jp-StellaScript-diff-new', { hasText: 'print("Hi " + args.get("name", "nobody"))' })).toHaveClass(/jp-StellaScript-diff-(changed|added)/);
  await expect(history.locator('td.jp-StellaScript-diff-old', { hasText: 'print(f"Hello, {name}!")' })).toHaveClass(/jp-StellaScript-diff-(changed|removed)/);
  await page.screenshot({ path: path.join(SCREENSHOTS, 'history.png') });

  // Run it with an argument: live output, status, exit code, duration.
  await row.locator('.jp-StellaScript-run').click();
  const run = page.locator('.jp-StellaScript-runView:visible');
  await expect(run.locator('.jp-StellaScript-title')).toHaveText('greeter (python)');
  await run.locator('.jp-StellaScript-add-argument').click();
  await run.locator('.jp-StellaScript-key').fill('name');
  await run.locator('.jp-StellaScript-value').first().fill('Stella');
  await run.locator('.jp-StellaScript-start').click();
  await expect(run.locator('.jp-StellaScript-output')).toHaveText('Hi Stella\n', { timeout: 120_000 });
  await expect(run.locator('.jp-StellaScript-summary .jp-StellaScript-status')).toHaveText('Succeeded');
  await expect(run.locator('.jp-StellaScript-exit')).toHaveText('exit code 0');
  await expect(run.locator('.jp-StellaScript-duration')).toHaveText(/\d+(\.\d+)? m?s/);
  await expect(run.locator('.jp-StellaScript-execution')).toHaveCount(1);
  await expect(run.locator('.jp-StellaScript-execution td').nth(5)).toHaveText('name=Stella');
  await page.screenshot({ path: path.join(SCREENSHOTS, 'run.png') });
  await panel.locator('.jp-StellaScript-refresh').click();
  await expect(row.locator('.jp-StellaScript-status')).toHaveText('Succeeded');

  // A syntax error: a diagnostic at its line, no version, the file keeps the text.
  await page.locator('.lm-TabBar-tab[title*="hello.py"]').click();
  const broken = 'import json\n\ndef broken(:\n    pass\n';
  await replaceEditorText(page, broken);
  await page.keyboard.press('Control+s');
  await expect(page.locator('.jp-StellaScript-editor-status:visible')).toHaveText(/1 problem: not saved as a version/, { timeout: 120_000 });
  const lines = page.locator('.jp-StellaScript-editor:visible .cm-line');
  await expect(lines.nth(2).locator('.cm-lintRange-error')).toHaveCount(1);
  await expect(lines.nth(0).locator('.cm-lintRange-error')).toHaveCount(0);
  await lines.nth(2).locator('.cm-lintRange-error').hover();
  await expect(page.locator('.cm-tooltip-lint')).toBeVisible();
  await page.screenshot({ path: path.join(SCREENSHOTS, 'validation.png') });
  const file = await request.get(`${URL}api/contents/stellascripts/greeter/hello.py?token=${TOKEN}`);
  expect((await file.json()).content).toBe(broken);
  await expect(label).toHaveText('greeter v1.0.1');

  // Fixed and saved as a minor version: the diagnostic goes away.
  await replaceEditorText(page, 'import time\n\nprint("first", flush=True)\ntime.sleep(4)\nprint("second")\n');
  await page.locator('.jp-StellaScript-bump:visible').selectOption('minor');
  await page.keyboard.press('Control+s');
  await expect(page.locator('.jp-StellaScript-editor-status:visible')).toHaveText('Saved as v1.1.0', { timeout: 120_000 });
  await expect(page.locator('.jp-StellaScript-editor:visible .cm-lintRange-error')).toHaveCount(0);

  // Output arrives while the script still runs; past executions can be reopened.
  await page.locator('.jp-StellaScript-editor-run:visible').click();
  const live = page.locator('.jp-StellaScript-runView:visible');
  await expect(live.locator('.jp-StellaScript-execution')).toHaveCount(1);
  await live.locator('.jp-StellaScript-start').click();
  await expect(live.locator('.jp-StellaScript-output')).toHaveText('first\n', { timeout: 120_000 });
  await expect(live.locator('.jp-StellaScript-summary .jp-StellaScript-status')).toHaveText('Running');
  await expect(live.locator('.jp-StellaScript-output')).toHaveText('first\nsecond\n');
  await expect(live.locator('.jp-StellaScript-summary .jp-StellaScript-status')).toHaveText('Succeeded');
  await expect(live.locator('.jp-StellaScript-execution')).toHaveCount(2);
  // The script's one view kept its form (issue 15), so both runs had name=Stella: the older one is the first run.
  await live.locator('.jp-StellaScript-execution', { hasText: 'name=Stella' }).last().click();
  await expect(live.locator('.jp-StellaScript-output')).toHaveText('Hi Stella\n');
  await expect(live.locator('.jp-StellaScript-execution-meta')).toContainText('v1.0.1');

  // An old version opens read only, in a folder of its own.
  await row.locator('.jp-StellaScript-history').click();
  await history.locator('tr[data-version="1.0.0"] .jp-StellaScript-open-version').click();
  await expect(page.locator('.jp-StellaScript-editor-label:visible')).toHaveText('greeter v1.0.0 (old version: read only)');
  await expect(page.locator('.jp-StellaScript-editor:visible .cm-content')).toContainText('Hello, {name}!');
  await expect(page.locator('.jp-StellaScript-editor:visible .cm-content')).toHaveAttribute('aria-readonly', 'true');

  // Clone a sample from the Sample dialog, which shows the selected sample's description, tags and
  // parameters (GET scripts/samples), then delete the clone after confirming.
  const listing = await request.get(`${URL}stellascript/api/v1/scripts/samples?language=python&token=${TOKEN}`);
  expect(listing.ok()).toBeTruthy();
  const chosen = (await listing.json()).items.find((item: any) => item.parameters.length > 0 && item.tags.length > 0);
  expect(chosen, 'a Python sample with parameters and tags').toBeTruthy();
  await panel.locator('.jp-StellaScript-clone').click();
  const dialog = page.locator('.jp-Dialog');
  await dialog.locator('.jp-StellaScript-sample-select').selectOption(chosen.id);
  await expect(dialog.locator('.jp-StellaScript-sample-description')).toHaveText(chosen.description);
  await expect(dialog.locator('.jp-StellaScript-sample-tags .jp-StellaScript-tag-chip')).toHaveText(chosen.tags);
  await expect(dialog.locator('.jp-StellaScript-sample-parameters li')).toHaveCount(chosen.parameters.length);
  await expect(dialog.locator('.jp-StellaScript-sample-parameters li').first()).toContainText(chosen.parameters[0].name);
  await expect(dialog.locator('.jp-StellaScript-sample-name')).toHaveValue(chosen.id);
  await page.screenshot({ path: path.join(SCREENSHOTS, 'sample-dialog.png') });
  await dialog.locator('.jp-mod-accept').click();
  await expect(page.locator('.jp-StellaScript-editor-label:visible')).toHaveText(`${chosen.id} v1.0.0`, { timeout: 120_000 });
  const clone = panel.locator(`.jp-StellaScript-row[data-script-name="${chosen.id}"]`);
  await expect(clone).toBeVisible();
  await expect(clone.locator('.jp-StellaScript-version')).toHaveText('v1.0.0');
  await page.screenshot({ path: path.join(SCREENSHOTS, 'panel.png') });

  // Search and filters narrow the list.
  await panel.locator('.jp-StellaScript-search').fill('greet');
  await expect(panel.locator('.jp-StellaScript-row')).toHaveCount(1);
  await panel.locator('.jp-StellaScript-search').fill('');
  await expect(panel.locator('.jp-StellaScript-row')).toHaveCount(2);
  await panel.locator('.jp-StellaScript-tag').fill(chosen.tags[0]);
  await expect(panel.locator('.jp-StellaScript-row')).toHaveCount(1);
  await expect(panel.locator('.jp-StellaScript-name')).toHaveText(chosen.id);
  await panel.locator('.jp-StellaScript-tag').fill('');
  await panel.locator('.jp-StellaScript-filter-row select').first().selectOption('bash');
  await expect(panel.locator('.jp-StellaScript-empty')).toBeVisible();
  await panel.locator('.jp-StellaScript-filter-row select').first().selectOption('');
  await expect(panel.locator('.jp-StellaScript-row')).toHaveCount(2);

  await clone.locator('.jp-StellaScript-delete').click();
  await expect(page.locator('.jp-Dialog')).toContainText(`Delete "${chosen.id}"`);
  await page.locator('.jp-Dialog .jp-mod-accept').click();
  await expect(clone).toHaveCount(0);

});
