/**
 * The workflows view: a saved workflow run from the browser, its steps shown
 * in order as they run and end, with their outputs; then Re-run.
 */
import { expect, test } from '@playwright/test';
import path from 'path';

import { createScript, deleteScript, openLibrary, SCREENSHOTS, TOKEN, URL } from './helpers';

test('run a workflow and watch its steps', async ({ page, request }) => {
  const id = await createScript(request, {
    name: 'wf-step',
    language: 'bash',
    content: 'sleep 1\njq -c \'{said: .say}\' /scripts/args.json > "$STELLASCRIPT_OUTPUT"\n'
  });
  const created = await request.post(`${URL}stellascript/api/v1/workflows`, {
    headers: { Authorization: `token ${TOKEN}` },
    data: {
      name: 'browser-flow',
      definition: [
        'steps:',
        '  - {id: first, script: wf-step, arguments: {say: hello}}',
        '  - {id: second, script: wf-step, needs: [first], arguments: {say: "${{ steps.first.outputs.said }} again"}}',
        '  - {id: on-failure, script: wf-step, needs: [second], if: "${{ failure() }}", arguments: {say: oops}}',
        ''
      ].join('\n')
    }
  });
  expect(created.status(), await created.text()).toBe(201);
  const workflowId = (await created.json()).id;
  try {
    await openLibrary(page);
    await page.keyboard.press('Control+Shift+C');
    await page.locator('.lm-CommandPalette-input').fill('Stella Script: Workflows');
    await page.keyboard.press('Enter');
    const view = page.locator('.jp-StellaScript-workflowsView:visible');
    const row = view.locator('.jp-StellaScript-workflow[data-workflow-name="browser-flow"]');
    await row.locator('.jp-StellaScript-workflowStart').click();
    const first = view.locator('.jp-StellaScript-workflowStep[data-step-id="first"]');
    const second = view.locator('.jp-StellaScript-workflowStep[data-step-id="second"]');
    // Live: the first step runs while the second waits for it.
    await expect(first).toHaveAttribute('data-status', 'Running', { timeout: 60_000 });
    await expect(second).toHaveAttribute('data-status', 'Pending');
    await expect(second).toHaveAttribute('data-status', 'Succeeded', { timeout: 60_000 });
    await expect(second.locator('tr[data-output-key="said"] td')).toHaveText('hello again');
    await expect(view.locator('.jp-StellaScript-workflowStep[data-step-id="on-failure"]')).toHaveAttribute('data-status', 'Skipped');
    await expect(view.locator('.jp-StellaScript-workflowRun > .jp-StellaScript-summary .jp-StellaScript-status')).toHaveText('Succeeded');
    await expect(view.locator('.jp-StellaScript-workflowCancel')).toBeDisabled();
    await page.screenshot({ path: path.join(SCREENSHOTS, 'workflow-run.png') });

    // Re-run: a new run in which the succeeded steps are reused.
    await view.locator('.jp-StellaScript-workflowRerun').click();
    await expect(first).toContainText('reused', { timeout: 60_000 });
    await expect(view.locator('.jp-StellaScript-workflowRun > .jp-StellaScript-summary .jp-StellaScript-status')).toHaveText('Succeeded', { timeout: 60_000 });

    // The execution centre lists both runs with the scripts' executions, and filters them.
    await page.locator('#stellascript-library .jp-StellaScript-open-executions').click();
    const centre = page.locator('.jp-StellaScript-executionCentre:visible');
    const runs = centre.locator('.jp-StellaScript-centre-workflow');
    await expect(runs).toHaveCount(2);
    await expect(runs.locator('.jp-StellaScript-centre-script')).toHaveText(['browser-flow', 'browser-flow']);
    const steps = centre.locator('.jp-StellaScript-centre-row:not(.jp-StellaScript-centre-workflow)');
    await expect(steps.first()).toBeVisible();
    await centre.locator('.jp-StellaScript-filter-kind').selectOption('workflows');
    await expect(centre.locator('.jp-StellaScript-centre-row')).toHaveCount(2);
    await centre.locator('.jp-StellaScript-filter-kind').selectOption('scripts');
    await expect(runs).toHaveCount(0);
    await expect(steps.first()).toBeVisible();
    await centre.locator('.jp-StellaScript-filter-kind').selectOption('');
    await centre.locator('.jp-StellaScript-filter-trigger').selectOption('ui');
    await expect(runs).toHaveCount(0);
    await centre.locator('.jp-StellaScript-filter-trigger').selectOption('workflow');
    await expect(runs).toHaveCount(2);
    await expect(steps.locator('.jp-StellaScript-centre-trigger').first()).toHaveText('workflow');
    await centre.locator('.jp-StellaScript-filter-status').selectOption('TimedOut');
    await expect(runs).toHaveCount(0);
    await centre.locator('.jp-StellaScript-filter-status').selectOption('Succeeded');
    await expect(runs).toHaveCount(2);
    // The older run's page is its run view.
    await runs.nth(1).click();
    const detail = centre.locator('.jp-StellaScript-execution-page');
    await expect(detail.locator('.jp-StellaScript-workflowStep[data-step-id="second"]')).toHaveAttribute('data-status', 'Succeeded');
    await expect(detail.locator('.jp-StellaScript-workflowStep[data-step-id="second"] tr[data-output-key="said"] td')).toHaveText('hello again');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'execution-centre-workflow-run.png') });
  } finally {
    await request.delete(`${URL}stellascript/api/v1/workflows/${workflowId}`, { headers: { Authorization: `token ${TOKEN}` } });
    await deleteScript(request, id);
  }
});
