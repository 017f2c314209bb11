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
  } finally {
    await request.delete(`${URL}stellascript/api/v1/workflows/${workflowId}`, { headers: { Authorization: `token ${TOKEN}` } });
    await deleteScript(request, id);
  }
});
