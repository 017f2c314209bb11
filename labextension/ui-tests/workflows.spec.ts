/**
 * Workflows in the browser: listed in the library panel (its kind filter),
 * opened and run from there; the run view's graph of steps (columns by depth
 * of needs, a line for each need) updating live from the run's events, with
 * each step's live output, outputs and attempts; Re-run; a failing step's
 * retries; the run in the execution centre.
 */
import { expect, test } from '@playwright/test';
import path from 'path';

import { createScript, deleteScript, openLibrary, replaceEditorText, SCREENSHOTS, TOKEN, URL } from './helpers';

const definition = [
  'steps:',
  '  - {id: first, script: wf-step, arguments: {say: hello}}',
  '  - {id: second, script: wf-step, needs: [first], arguments: {say: "${{ steps.first.outputs.said }} again"}}',
  '  - {id: on-failure, script: wf-step, needs: [second], if: "${{ failure() }}", arguments: {say: oops}}'
];

test('workflows in the panel, edited as a file, run as a live graph', async ({ page, request }) => {
  const id = await createScript(request, {
    name: 'wf-step',
    language: 'bash',
    content: 'echo "saying $(jq -r .say /scripts/args.json)"\nsleep 1\njq -c \'{said: .say}\' /scripts/args.json > "$STELLASCRIPT_OUTPUT"\n'
  });
  const failing = await createScript(request, { name: 'wf-fails', language: 'bash', content: 'echo "trying"\nexit 3\n' });
  const created = await request.post(`${URL}stellascript/api/v1/workflows`, {
    headers: { Authorization: `token ${TOKEN}` },
    data: {
      name: 'browser-flow',
      definition: [...definition, ''].join('\n')
    }
  });
  expect(created.status(), await created.text()).toBe(201);
  const workflowId = (await created.json()).id;
  const retrying = await request.post(`${URL}stellascript/api/v1/workflows`, {
    headers: { Authorization: `token ${TOKEN}` },
    data: { name: 'browser-retry', definition: 'steps:\n  - {id: flaky, script: wf-fails, retries: {max: 1, delay: 1s}}\n' }
  });
  expect(retrying.status(), await retrying.text()).toBe(201);
  const retryId = (await retrying.json()).id;
  try {
    const panel = await openLibrary(page);
    // The library lists workflows with the scripts; the kind filter shows one or the other.
    const workflowRow = panel.locator('.jp-StellaScript-workflow-row[data-workflow-name="browser-flow"]');
    await expect(workflowRow).toBeVisible();
    await expect(panel.locator('.jp-StellaScript-row[data-script-name="wf-step"]')).toBeVisible();
    await panel.locator('.jp-StellaScript-filter-kind').selectOption('workflows');
    await expect(panel.locator('.jp-StellaScript-row')).toHaveCount(0);
    await expect(panel.locator('.jp-StellaScript-workflow-row')).toHaveCount(2);
    await expect(workflowRow.locator('.jp-StellaScript-description')).toHaveText('3 steps: first, second, on-failure');
    await panel.locator('.jp-StellaScript-filter-kind').selectOption('scripts');
    await expect(panel.locator('.jp-StellaScript-workflow-row')).toHaveCount(0);
    await panel.locator('.jp-StellaScript-filter-kind').selectOption('workflows');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'library-workflows.png') });
    // Opened: the definition as a file in the editor, its tab the workflow's name.
    await workflowRow.locator('.jp-StellaScript-open-workflow').click();
    const editor = page.locator('.jp-StellaScript-workflowEditor:visible');
    await expect(editor.locator('.jp-StellaScript-editor-label')).toHaveText('browser-flow v1.0.0 (workflow)');
    await expect(page.locator('#jp-main-dock-panel .lm-TabBar-tab[title*="browser-flow.workflow.yaml"] .lm-TabBar-tabLabel')).toHaveText('browser-flow');
    const modeline = (await editor.locator('.cm-line').first().textContent()) ?? '';
    expect(modeline).toMatch(/^# yaml-language-server: \$schema=file:\/\/.*workflow\.schema\.json$/);
    // yaml-language-server completes the schema's keys (it may still be starting: tried again until it answers).
    const completer = page.locator('.jp-Completer');
    await expect(async () => {
      await page.keyboard.press('Escape');
      await replaceEditorText(page, `${modeline}\nsteps:\n  - id: first\n    script: wf-step\n    retr`);
      await page.keyboard.press('Tab');
      await expect(completer.locator('.jp-Completer-match', { hasText: /^retries$/ }).first()).toBeVisible({ timeout: 5_000 });
    }).toPass({ timeout: 120_000, intervals: [1_000, 2_000, 3_000] });
    await page.screenshot({ path: path.join(SCREENSHOTS, 'workflow-completion.png') });
    await page.keyboard.press('Escape');
    // A save the server refuses: the problem at its line, no version, the text kept.
    const [header, ...stepLines] = definition;
    const broken = [modeline, header, stepLines[0], stepLines[1].replace('needs: [first]', 'needs: [frist]'), stepLines[2], ''].join('\n');
    await replaceEditorText(page, broken);
    await page.keyboard.press('Control+s');
    // (Two: the unknown step, and second's expression naming a step it no longer needs; both on its line.)
    await expect(editor.locator('.jp-StellaScript-editor-status')).toHaveText(/^2 problems: not saved as a version/);
    await expect(editor.locator('.cm-line').nth(3).locator('.cm-lintRange-error').first()).toBeVisible();
    await expect(editor.locator('.cm-line').nth(2).locator('.cm-lintRange-error')).toHaveCount(0);
    await editor.locator('.cm-line').nth(3).locator('.cm-lintRange-error').first().hover();
    await expect(page.locator('.cm-tooltip-lint')).toContainText("steps[1].needs: unknown step 'frist'");
    await page.screenshot({ path: path.join(SCREENSHOTS, 'workflow-diagnostic.png') });
    // Fixed: saved as the next version.
    await replaceEditorText(page, [modeline, ...definition, '# reviewed', ''].join('\n'));
    await page.keyboard.press('Control+s');
    await expect(editor.locator('.jp-StellaScript-editor-status')).toHaveText('Saved as v1.0.1');
    await expect(editor.locator('.jp-StellaScript-editor-label')).toHaveText('browser-flow v1.0.1 (workflow)');
    await workflowRow.locator('.jp-StellaScript-run-workflow').click();
    const view = page.locator('.jp-StellaScript-workflowsView:visible');
    const first = view.locator('.jp-StellaScript-workflowStep[data-step-id="first"]');
    const second = view.locator('.jp-StellaScript-workflowStep[data-step-id="second"]');
    // The graph: a column per depth of needs, a line per need.
    await expect(view.locator('.jp-StellaScript-workflowColumn[data-depth="0"] .jp-StellaScript-workflowStep')).toHaveAttribute('data-step-id', 'first');
    await expect(view.locator('.jp-StellaScript-workflowColumn[data-depth="1"] .jp-StellaScript-workflowStep')).toHaveAttribute('data-step-id', 'second');
    await expect(view.locator('.jp-StellaScript-workflowColumn[data-depth="2"] .jp-StellaScript-workflowStep')).toHaveAttribute('data-step-id', 'on-failure');
    await expect(view.locator('line[data-edge="first->second"]')).toHaveCount(1);
    await expect(view.locator('line[data-edge="second->on-failure"]')).toHaveCount(1);
    // Live: the first step runs (its output arriving) while the second waits for it.
    await expect(first).toHaveAttribute('data-status', 'Running', { timeout: 60_000 });
    await expect(second).toHaveAttribute('data-status', 'Pending');
    await expect(first.locator('.jp-StellaScript-step-output .jp-StellaScript-output')).toHaveText('saying hello\n');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'workflow-run-live.png') });
    await expect(second).toHaveAttribute('data-status', 'Succeeded', { timeout: 60_000 });
    await expect(second.locator('.jp-StellaScript-step-output .jp-StellaScript-output')).toHaveText('saying hello again\n');
    await expect(second.locator('.jp-StellaScript-step-attempt')).toHaveCount(1);
    await expect(second.locator('tr[data-output-key="said"] td')).toHaveText('hello again');
    await expect(view.locator('.jp-StellaScript-workflowStep[data-step-id="on-failure"]')).toHaveAttribute('data-status', 'Skipped');
    await expect(view.locator('.jp-StellaScript-workflowRun > .jp-StellaScript-summary .jp-StellaScript-status')).toHaveText('Succeeded');
    await expect(view.locator('.jp-StellaScript-workflowCancel')).toBeDisabled();
    await page.screenshot({ path: path.join(SCREENSHOTS, 'workflow-run.png') });

    // Re-run: a new run in which the succeeded steps are reused.
    await view.locator('.jp-StellaScript-workflowRerun').click();
    await expect(first).toContainText('reused', { timeout: 60_000 });
    await expect(view.locator('.jp-StellaScript-workflowRun > .jp-StellaScript-summary .jp-StellaScript-status')).toHaveText('Succeeded', { timeout: 60_000 });
    // A reused step's output is its execution's, read when opened.
    await first.locator('.jp-StellaScript-step-output > summary').click();
    await expect(first.locator('.jp-StellaScript-step-output .jp-StellaScript-output')).toHaveText('saying hello\n');

    // A failing step with one retry: two attempts, its error, the run Failed.
    await panel.locator('.jp-StellaScript-workflow-row[data-workflow-name="browser-retry"] .jp-StellaScript-run-workflow').click();
    const flaky = view.locator('.jp-StellaScript-workflowStep[data-step-id="flaky"]');
    await expect(flaky).toHaveAttribute('data-status', 'Failed', { timeout: 60_000 });
    await expect(flaky.locator('.jp-StellaScript-step-attempt')).toHaveCount(2);
    await expect(flaky.locator('.jp-StellaScript-problem')).toContainText('exit code 3');
    await expect(view.locator('.jp-StellaScript-workflowRun > .jp-StellaScript-summary .jp-StellaScript-status')).toHaveText('Failed');
    await expect(view.locator('.jp-StellaScript-workflowRerun')).toBeEnabled();
    await page.screenshot({ path: path.join(SCREENSHOTS, 'workflow-run-retries.png') });

    // The execution centre lists both runs with the scripts' executions, and filters them.
    await page.locator('#stellascript-library .jp-StellaScript-open-executions').click();
    const centre = page.locator('.jp-StellaScript-executionCentre:visible');
    const runs = centre.locator('.jp-StellaScript-centre-workflow');
    await expect(runs).toHaveCount(3);
    await expect(runs.locator('.jp-StellaScript-centre-script')).toHaveText(['browser-retry', 'browser-flow', 'browser-flow']);
    const steps = centre.locator('.jp-StellaScript-centre-row:not(.jp-StellaScript-centre-workflow)');
    await expect(steps.first()).toBeVisible();
    await centre.locator('.jp-StellaScript-filter-kind').selectOption('workflows');
    await expect(centre.locator('.jp-StellaScript-centre-row')).toHaveCount(3);
    await centre.locator('.jp-StellaScript-filter-kind').selectOption('scripts');
    await expect(runs).toHaveCount(0);
    await expect(steps.first()).toBeVisible();
    await centre.locator('.jp-StellaScript-filter-kind').selectOption('');
    await centre.locator('.jp-StellaScript-filter-trigger').selectOption('ui');
    await expect(runs).toHaveCount(0);
    await centre.locator('.jp-StellaScript-filter-trigger').selectOption('workflow');
    await expect(runs).toHaveCount(3);
    await expect(steps.locator('.jp-StellaScript-centre-trigger').first()).toHaveText('workflow');
    await centre.locator('.jp-StellaScript-filter-status').selectOption('TimedOut');
    await expect(runs).toHaveCount(0);
    await centre.locator('.jp-StellaScript-filter-status').selectOption('Succeeded');
    await expect(runs).toHaveCount(2);
    // The first run's page is its run view.
    await runs.nth(1).click();
    const detail = centre.locator('.jp-StellaScript-execution-page');
    await expect(detail.locator('.jp-StellaScript-workflowStep[data-step-id="second"]')).toHaveAttribute('data-status', 'Succeeded');
    await expect(detail.locator('.jp-StellaScript-workflowStep[data-step-id="second"] tr[data-output-key="said"] td')).toHaveText('hello again');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'execution-centre-workflow-run.png') });
    // A step's execution names its run, and shows it.
    await centre.locator('.jp-StellaScript-filter-kind').selectOption('scripts');
    await expect(runs).toHaveCount(0);
    await steps.first().click();
    await expect(detail.locator('dd').last()).toContainText(' of run ');
    await detail.locator('.jp-StellaScript-show-run').click();
    await expect(detail.locator('.jp-StellaScript-workflowStep').first()).toBeVisible();
  } finally {
    await request.delete(`${URL}stellascript/api/v1/workflows/${workflowId}`, { headers: { Authorization: `token ${TOKEN}` } });
    await request.delete(`${URL}stellascript/api/v1/workflows/${retryId}`, { headers: { Authorization: `token ${TOKEN}` } });
    await deleteScript(request, id);
    await deleteScript(request, failing);
  }
});
