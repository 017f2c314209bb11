/**
 * A run that hits its timeout ends as TimedOut (the server's name; the panel
 * once expected 'Timeout'): its badge is styled as a failure wherever it is
 * shown, and reopened from the past executions it is shown from its stored
 * record, not followed as if it still ran.
 */
import { expect, Locator, Page, test } from '@playwright/test';
import path from 'path';

import { createScript, deleteScript, openLibrary, SCREENSHOTS, TOKEN, URL } from './helpers';

/** The background a CSS color expression resolves to on this page. */
async function resolvedBackground(page: Page, css: string): Promise<string> {
  return page.evaluate(value => {
    const probe = document.createElement('span');
    probe.style.background = value;
    document.body.append(probe);
    const color = getComputedStyle(probe).backgroundColor;
    probe.remove();
    return color;
  }, css);
}

async function expectTimedOutBadge(badge: Locator, failure: string): Promise<void> {
  await expect(badge).toHaveText('TimedOut');
  await expect(badge).toHaveClass(/\bjp-StellaScript-status-TimedOut\b/);
  await expect(badge).toHaveCSS('background-color', failure);
}

test('a timed-out run has a TimedOut badge and is not followed as live when reopened', async ({ page, request }) => {
  // This JupyterLab serves this build: its settings schema (with the Format shortcut) is there.
  const settings = await request.get(`${URL}lab/api/settings/jupyter-stellascript:plugin?token=${TOKEN}`);
  expect(settings.status(), await settings.text()).toBe(200);
  expect((await settings.json()).schema['jupyter.lab.shortcuts']).toContainEqual({ command: 'stellascript:format', keys: ['Alt Shift F'], selector: '.jp-StellaScript-editor' });

  const id = await createScript(request, {
    name: 'sleeper',
    language: 'python',
    content: 'import time\n\nprint("going to sleep", flush=True)\ntime.sleep(60)\nprint("woke up")\n'
  });
  try {
    const panel = await openLibrary(page);
    const row = panel.locator('.jp-StellaScript-row[data-script-name="sleeper"]');
    const failure = await resolvedBackground(page, 'var(--jp-error-color3)');
    expect(failure).not.toBe(await resolvedBackground(page, 'var(--jp-layout-color3)'));

    // Run with a 1 s timeout: it ends TimedOut, styled as a failure.
    await row.locator('.jp-StellaScript-run').click();
    const run = page.locator('.jp-StellaScript-runView:visible');
    await expect(run.locator('.jp-StellaScript-title')).toHaveText('sleeper (python)');
    await run.locator('.jp-StellaScript-timeout').fill('1');
    await run.locator('.jp-StellaScript-start').click();
    await expectTimedOutBadge(run.locator('.jp-StellaScript-summary .jp-StellaScript-status'), failure);
    await expect(run.locator('.jp-StellaScript-output')).toContainText('timed out after 1s');
    await expect(run.locator('.jp-StellaScript-cancel')).toBeDisabled();
    await expect(run.locator('.jp-StellaScript-execution')).toHaveCount(1);
    await expectTimedOutBadge(run.locator('.jp-StellaScript-execution .jp-StellaScript-status'), failure);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'timed-out.png') });
    await expectTimedOutBadge(row.locator('.jp-StellaScript-status'), failure);

    // Run again from the library: the script's one view is shown again (issue 15: no second tab), then
    // the past execution reopened: shown from its record, its output never followed.
    const followed: string[] = [];
    page.on('request', sent => {
      if (/\/scripts\/executions\/[^/]+\/logs/.test(sent.url())) {
        followed.push(sent.url());
      }
    });
    await row.locator('.jp-StellaScript-run').click();
    const reopened = page.locator('.jp-StellaScript-runView:visible');
    await expect(page.locator('#jp-main-dock-panel .lm-TabBar-tab', { hasText: 'sleeper' })).toHaveCount(1);
    await reopened.locator('.jp-StellaScript-execution').click();
    await expect(reopened.locator('.jp-StellaScript-output')).toContainText('timed out after 1s');
    await expectTimedOutBadge(reopened.locator('.jp-StellaScript-summary .jp-StellaScript-status'), failure);
    await expect(reopened.locator('.jp-StellaScript-cancel')).toBeDisabled();
    await expect(reopened.locator('.jp-StellaScript-output')).not.toContainText('woke up');
    expect(followed, 'a finished execution is not followed as live').toEqual([]);
  } finally {
    await deleteScript(request, id);
  }
});
