/**
 * Through a live JupyterHub (tests/jupyterhub/test_live_hub.py starts it): a user
 * logs in on the Hub's own login page, lands in their single-user JupyterLab,
 * and the library panel lists a script their teammate shared with the team.
 */
import { expect, test } from '@playwright/test';

const HUB_URL = process.env.HUB_URL ?? '';
const HUB_USER = process.env.HUB_USER ?? '';
const HUB_PASSWORD = process.env.HUB_PASSWORD ?? '';
const SCRIPT_NAME = process.env.SCRIPT_NAME ?? '';

test('a teammate logs in through the Hub and sees the team script in the library', async ({ page }) => {
  expect(HUB_URL, 'HUB_URL must be set (tests/jupyterhub/test_live_hub.py sets it)').not.toBe('');
  await page.goto(`${HUB_URL}/hub/login`);
  await page.locator('#username_input').fill(HUB_USER);
  await page.locator('#password_input').fill(HUB_PASSWORD);
  await page.locator('#login_submit').click();
  await page.waitForURL(new RegExp(`/user/${HUB_USER}/lab`), { timeout: 120_000 });
  await page.locator('#jupyterlab-splash').waitFor({ state: 'detached', timeout: 120_000 });
  const tab = page.locator('.jp-SideBar [data-id="stellascript-library"]');
  const panel = page.locator('#stellascript-library');
  await tab.waitFor();
  if (!(await panel.isVisible())) {
    await tab.click();
  }
  await expect(panel).toBeVisible();
  await expect(panel.getByText(SCRIPT_NAME)).toBeVisible();
});
