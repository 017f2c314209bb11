/** What the browser specs share: the lab under test, its API, the script editor. */
import { APIRequestContext, expect, Locator, Page } from '@playwright/test';
import path from 'path';

export const URL = process.env.JUPYTER_URL ?? '';
export const TOKEN = process.env.JUPYTER_TOKEN ?? '';
/** Screenshots go to the test output folder unless tests/labextension/test_ui.py is asked to refresh docs/screenshots. */
export const SCREENSHOTS = process.env.SCREENSHOT_DIR ?? path.join(__dirname, 'test-results', 'screenshots');

/** Open JupyterLab (a fresh layout: no tabs from an earlier spec) with the library panel shown. */
export async function openLibrary(page: Page): Promise<Locator> {
  expect(URL, 'JUPYTER_URL must be set (tests/labextension/test_ui.py sets it)').not.toBe('');
  await page.goto(`${URL}lab?reset&token=${TOKEN}`);
  // JupyterLab removes its splash once the layout is restored: until then it may still open and
  // activate widgets of its own (the Launcher), which takes the focus from whatever a test opened.
  await page.locator('#jupyterlab-splash').waitFor({ state: 'detached', timeout: 120_000 });
  const tab = page.locator('.jp-SideBar [data-id="stellascript-library"]');
  const panel = page.locator('#stellascript-library');
  await tab.waitFor();
  if (!(await panel.isVisible())) {
    await tab.click();
  }
  await expect(panel).toBeVisible();
  return panel;
}

export async function replaceEditorText(page: Page, text: string): Promise<void> {
  const editor = page.locator('.jp-StellaScript-editor:visible .cm-content');
  await editor.click();
  await page.keyboard.press('Control+a');
  await page.keyboard.press('Delete');
  // insertText: no auto-indent or bracket closing, the text lands as written.
  await page.keyboard.insertText(text);
}

/** Create a script through the REST API (token in a header: no XSRF cookie needed); returns its id. */
export async function createScript(request: APIRequestContext, body: Record<string, unknown>): Promise<string> {
  const response = await request.post(`${URL}stellascript/api/v1/scripts`, { data: body, headers: { Authorization: `token ${TOKEN}` } });
  expect(response.status(), await response.text()).toBe(201);
  return (await response.json()).id;
}

export async function deleteScript(request: APIRequestContext, id: string): Promise<void> {
  const response = await request.delete(`${URL}stellascript/api/v1/scripts/${id}`, { headers: { Authorization: `token ${TOKEN}` } });
  expect(response.ok(), await response.text()).toBe(true);
}
