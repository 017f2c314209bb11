/**
 * The library panel's Secrets section in a real JupyterLab: create a secret,
 * see it listed (never its value), use it in a run whose output masks it,
 * replace its value (version 2), delete it. Values are typed into password
 * inputs and appear nowhere in the page.
 */
import { expect, test } from '@playwright/test';
import path from 'path';

import { openLibrary, SCREENSHOTS, TOKEN, URL } from './helpers';

const headers = { Authorization: `token ${TOKEN}` };

test('create, list, use, replace and delete a secret from the library panel', async ({ page, request }) => {
  const first = `first-${Date.now()}-Zq!value`;
  const second = `second-${Date.now()}-Zq!value`;
  const panel = await openLibrary(page);
  const section = panel.locator('.jp-StellaScript-secrets');
  await expect(section.locator('.jp-StellaScript-secrets-empty')).toHaveText('No secrets yet.');

  await section.locator('.jp-StellaScript-secret-new').click();
  const value = page.locator('.jp-Dialog .jp-StellaScript-secret-value');
  await expect(value).toHaveAttribute('type', 'password');
  await page.locator('.jp-Dialog .jp-StellaScript-secret-name').fill('ui-db');
  await value.fill(first);
  await page.locator('.jp-Dialog .jp-StellaScript-secret-description').fill('the reporting database');
  await page.screenshot({ path: path.join(SCREENSHOTS, 'secrets-new.png') });
  await page.locator('.jp-Dialog .jp-mod-accept').click();
  const row = section.locator('.jp-StellaScript-secret-row').filter({ has: page.locator('.jp-StellaScript-secret-title', { hasText: 'ui-db' }) });
  await expect(row.locator('.jp-StellaScript-secret-version')).toHaveText('v1');
  await expect(row.locator('.jp-StellaScript-secret-shared')).toHaveText('private');
  await expect(section.locator('.jp-StellaScript-secrets-message')).toHaveText('Created ui-db');
  expect(await page.content()).not.toContain(first);
  await page.screenshot({ path: path.join(SCREENSHOTS, 'secrets.png') });

  // A run given the secret as a variable prints it: the output masks it.
  const run = await request.post(`${URL}stellascript/api/v1/scripts/executions?wait=true`, {
    headers,
    data: { language: 'bash', content: 'echo "env:$DB"; echo "file:$(cat /run/secrets/ui-db)"\n', secrets: { DB: 'ui-db' } }
  });
  expect(run.status(), await run.text()).toBe(200);
  const record = await run.json();
  expect(record.stdout).toBe('env:***\nfile:***\n');
  expect(JSON.stringify(record)).not.toContain(first);

  // Replace: a new value, a new version.
  await row.locator('.jp-StellaScript-secret-replace').click();
  await expect(page.locator('.jp-Dialog .jp-StellaScript-secret-name')).toHaveCount(0);
  await page.locator('.jp-Dialog .jp-StellaScript-secret-value').fill(second);
  await page.locator('.jp-Dialog .jp-mod-accept').click();
  await expect(row.locator('.jp-StellaScript-secret-version')).toHaveText('v2');
  const content = await page.content();
  expect(content).not.toContain(first);
  expect(content).not.toContain(second);

  // A bad name is the server's 400, shown in the section.
  await section.locator('.jp-StellaScript-secret-new').click();
  await page.locator('.jp-Dialog .jp-StellaScript-secret-name').fill('-bad name');
  await page.locator('.jp-Dialog .jp-StellaScript-secret-value').fill('x');
  await page.locator('.jp-Dialog .jp-mod-accept').click();
  await expect(section.locator('.jp-StellaScript-secrets-message')).toContainText('should match pattern');

  await row.locator('.jp-StellaScript-secret-delete').click();
  await expect(page.locator('.jp-Dialog')).toContainText('Delete ');
  await page.locator('.jp-Dialog .jp-mod-accept').click();
  await expect(section.locator('.jp-StellaScript-secrets-empty')).toHaveText('No secrets yet.');
  const listed = await request.get(`${URL}stellascript/api/v1/secrets`, { headers });
  expect((await listed.json()).items).toEqual([]);
});
