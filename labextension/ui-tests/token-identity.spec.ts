/**
 * A JupyterLab whose identities are Stella Script API tokens (a team's shared
 * server, configured like `stellascript serve`): the browser logs in with a
 * token in the URL, then the panel works on its login cookie (with XSRF), and
 * what it creates belongs to the token's user. Run by
 * tests/labextension/test_ui.py::test_library_panel_with_api_token_identities.
 */
import { expect, test } from '@playwright/test';

import { deleteScript, openLibrary, TOKEN, URL } from './helpers';

test('the panel on a server whose identities are API tokens', async ({ page, request }) => {
  const panel = await openLibrary(page);

  await panel.locator('.jp-StellaScript-new').click();
  await page.locator('.jp-StellaScript-new-name').fill('team_check');
  await page.locator('.jp-StellaScript-new-language').selectOption('bash');
  await page.locator('.jp-Dialog .jp-mod-accept').click();
  const row = panel.locator('.jp-StellaScript-row[data-script-name="team_check"]');
  await expect(row.locator('.jp-StellaScript-version')).toHaveText('v1.0.0');

  await row.locator('.jp-StellaScript-run').click();
  const run = page.locator('.jp-StellaScript-runView:visible');
  // The Bash template declares its parameter `name` inline: the Run form has a field for it.
  await run.locator('.jp-StellaScript-param[data-parameter="name"] input').fill('team');
  await run.locator('.jp-StellaScript-start').click();
  await expect(run.locator('.jp-StellaScript-output')).toHaveText('Hello, team!\n', { timeout: 120_000 });
  await expect(run.locator('.jp-StellaScript-summary .jp-StellaScript-status')).toHaveText('Succeeded');

  // The script and its run belong to the token's user.
  const listed = await request.get(`${URL}stellascript/api/v1/scripts?q=team_check`, { headers: { Authorization: `token ${TOKEN}` } });
  expect(listed.status(), await listed.text()).toBe(200);
  const script = (await listed.json()).items[0];
  expect(script.created_by).toBe(process.env.STELLA_USER);
  await deleteScript(request, script.id);
});
