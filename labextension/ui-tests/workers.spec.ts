/**
 * The library panel's Workers section in a real JupyterLab: the server's own
 * (embedded) executor is listed with its tags, its runs out of its
 * concurrency and its last heartbeat, as GET /workers answers.
 */
import { expect, test } from '@playwright/test';
import path from 'path';

import { openLibrary, SCREENSHOTS, TOKEN, URL } from './helpers';

test('the Workers section lists the executors alive', async ({ page, request }) => {
  const listed = await request.get(`${URL}stellascript/api/v1/workers`, { headers: { Authorization: `token ${TOKEN}` } });
  expect(listed.status(), await listed.text()).toBe(200);
  const { items } = await listed.json();
  const embedded = items.find((worker: { kind: string }) => worker.kind === 'embedded');
  expect(embedded, JSON.stringify(items)).toBeTruthy();

  const panel = await openLibrary(page);
  const section = panel.locator('.jp-StellaScript-workers');
  const row = section.locator(`.jp-StellaScript-worker-row[data-worker="${embedded.id}"]`);
  await expect(row.locator('.jp-StellaScript-worker-title')).toHaveText(`${embedded.host} (server)`);
  await expect(row.locator('.jp-StellaScript-worker-tags')).toHaveText('no tags');
  await expect(row.locator('.jp-StellaScript-worker-running')).toHaveText(new RegExp(`^\\d+/${embedded.concurrency} running$`));
  await expect(row.locator('.jp-StellaScript-worker-heartbeat')).not.toBeEmpty();
  await section.screenshot({ path: path.join(SCREENSHOTS, 'workers.png') });
});
