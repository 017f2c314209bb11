/**
 * A run's step outputs ($STELLASCRIPT_OUTPUT) are shown in the run view as a
 * key/value table once it ends, and again when a past execution is reopened.
 */
import { expect, test } from '@playwright/test';
import path from 'path';

import { createScript, deleteScript, openLibrary, SCREENSHOTS } from './helpers';

test("the run view shows a run's outputs", async ({ page, request }) => {
  const id = await createScript(request, {
    name: 'publisher',
    language: 'bash',
    content: 'echo publishing\njq -n \'{summary: "all good", free_percent: 42, hosts: ["a", "b"]}\' > "$STELLASCRIPT_OUTPUT"\n'
  });
  try {
    const panel = await openLibrary(page);
    const row = panel.locator('.jp-StellaScript-row[data-script-name="publisher"]');
    await row.locator('.jp-StellaScript-run').click();
    const run = page.locator('.jp-StellaScript-runView:visible');
    await expect(run.locator('.jp-StellaScript-outputs')).toHaveCount(0);
    await run.locator('.jp-StellaScript-start').click();
    await expect(run.locator('.jp-StellaScript-output')).toHaveText('publishing\n', { timeout: 120_000 });
    const outputs = run.locator('.jp-StellaScript-outputs');
    await expect(outputs.locator('tr[data-output-key="summary"] td')).toHaveText('all good');
    await expect(outputs.locator('tr[data-output-key="free_percent"] td')).toHaveText('42');
    await expect(outputs.locator('tr[data-output-key="hosts"] td')).toHaveText('["a","b"]');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'run-outputs.png') });

    // Reopened from the past executions: the same table, from the stored record.
    await row.locator('.jp-StellaScript-run').click();
    const reopened = page.locator('.jp-StellaScript-runView:visible');
    await reopened.locator('.jp-StellaScript-execution').first().click();
    await expect(reopened.locator('.jp-StellaScript-outputs tr[data-output-key="summary"] td')).toHaveText('all good');
  } finally {
    await deleteScript(request, id);
  }
});
