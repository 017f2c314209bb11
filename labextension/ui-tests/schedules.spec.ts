/**
 * The Schedules view in a real JupyterLab: a new schedule every two seconds whose cron is described
 * in plain words as it is typed, its next runs in its zone, its runs' status and history as the
 * server fires it, pause and resume; a webhook whose URL and secret are shown once (Copy) and
 * start a run; notification settings on the script's and on a workflow's view.
 */
import { expect, test } from '@playwright/test';
import path from 'path';

import { createScript, deleteScript, openLibrary, SCREENSHOTS, TOKEN, URL } from './helpers';

const API = `${URL}stellascript/api/v1`;
const headers = { Authorization: `token ${TOKEN}` };

test('schedule a script, watch it fire, pause it; create a webhook; set notifications', async ({ page, request }) => {
  const scriptId = await createScript(request, { name: 'sched-ui', language: 'bash', content: 'echo tick\n' });
  const created = await request.post(`${API}/workflows`, { headers, data: { name: 'sched-ui-flow', definition: { steps: [{ id: 'one', script: 'sched-ui' }] } } });
  expect(created.status(), await created.text()).toBe(201);
  const workflowId = (await created.json()).id;
  let scheduleId = '';
  try {
    const panel = await openLibrary(page);
    await panel.locator('.jp-StellaScript-open-schedules').click();
    const view = page.locator('.jp-StellaScript-schedulesView:visible');
    await expect(view.locator('.jp-StellaScript-schedule-target option')).toHaveCount(2);
    await view.locator('.jp-StellaScript-schedule-target').selectOption(`script:${scriptId}`);

    // The cron in plain words while it is typed; a wrong one says so, and the server names the field.
    const cron = view.locator('.jp-StellaScript-schedule-cron');
    const preview = view.locator('.jp-StellaScript-cron-preview');
    await cron.fill('0 9 * * mon-fri');
    await expect(preview).toHaveText('At 09:00, Monday through Friday');
    await cron.fill('61 * * * *');
    await expect(preview).toHaveClass(/jp-mod-invalid/);
    await view.locator('.jp-StellaScript-schedule-create').click();
    await expect(view.locator('.jp-StellaScript-schedule-problem')).toContainText('cron:');
    await cron.fill('*/2 * * * * *');
    await expect(preview).toHaveText('Every 2 seconds');
    await view.locator('.jp-StellaScript-schedule-timezone').fill('Asia/Kolkata');
    await view.locator('.jp-StellaScript-field select').nth(1).selectOption('allow');
    await view.locator('.jp-StellaScript-schedule-create').click();

    const row = view.locator('.jp-StellaScript-schedule').first();
    await expect(row).toHaveAttribute('data-enabled', 'true');
    scheduleId = (await row.getAttribute('data-schedule-id')) ?? '';
    await expect(row.locator('.jp-StellaScript-schedule-name')).toHaveText('script sched-ui');
    await expect(row.locator('.jp-StellaScript-cron-words')).toHaveText('Every 2 seconds (Asia/Kolkata)');
    await expect(row.locator('.jp-StellaScript-next-runs > div')).toHaveCount(3);
    // The server fires it: the last run's status comes in by itself.
    await expect(row.locator('.jp-StellaScript-schedule-last .jp-StellaScript-status')).toHaveText('Succeeded', { timeout: 30_000 });
    await row.locator('.jp-StellaScript-schedule-pause').click();
    await expect(row).toHaveAttribute('data-enabled', 'false');
    await expect(row.locator('.jp-StellaScript-schedule-state')).toHaveText('paused');
    await expect(row.locator('.jp-StellaScript-next-runs > div')).toHaveCount(0);
    await row.locator('.jp-StellaScript-schedule-show-history').click();
    const fired = view.locator('.jp-StellaScript-schedule-run[data-outcome="started"]');
    await expect(fired.first()).toBeVisible();
    expect(await fired.count()).toBeGreaterThan(0);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'schedules.png') });
    const runs = await (await request.get(`${API}/scripts/executions?trigger=schedule`, { headers })).json();
    expect(runs.items.some((item: { trigger_id: string }) => item.trigger_id === scheduleId)).toBe(true);

    // A webhook: URL and secret shown once, with Copy; the secret starts the script.
    await view.locator('.jp-StellaScript-webhook-target').selectOption(`script:${scriptId}`);
    await view.locator('.jp-StellaScript-webhook-name').fill('ci');
    await view.locator('.jp-StellaScript-webhook-create').click();
    const reveal = view.locator('.jp-StellaScript-webhook-reveal');
    await expect(reveal).toContainText('shown only this once');
    const secret = (await reveal.locator('.jp-StellaScript-webhook-secret').textContent()) ?? '';
    const url = (await reveal.locator('.jp-StellaScript-webhook-url').textContent()) ?? '';
    expect(secret).toMatch(/^sswh_/);
    await reveal.locator('.jp-StellaScript-copy-secret').click();
    await expect(reveal.locator('.jp-StellaScript-copy-secret')).toHaveText('Copied');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'webhook-created.png') });
    const called = await request.post(`${url}?wait=true`, { headers: { Authorization: `token ${secret}` }, data: {} });
    expect(called.status(), await called.text()).toBe(200);
    expect((await called.json()).trigger).toBe('webhook');
    const listed = await (await request.get(`${API}/webhooks`, { headers })).text();
    expect(listed).not.toContain(secret);
    await expect(view.locator('.jp-StellaScript-webhook .jp-StellaScript-webhook-state')).toHaveText('active');

    // Notifications on the script's view and on a workflow's.
    await panel.locator('.jp-StellaScript-row[data-script-name="sched-ui"] .jp-StellaScript-run').click();
    const scriptView = page.locator('.jp-StellaScript-scriptView:visible');
    await scriptView.locator('.jp-StellaScript-section-notifications').click();
    await scriptView.locator('.jp-StellaScript-notification-add').click();
    await scriptView.locator('.jp-StellaScript-notification-target').fill('http://127.0.0.1:9/hook/${{ secrets.slack-hook }}');
    await scriptView.locator('.jp-StellaScript-notification-format').selectOption('slack');
    await scriptView.locator('.jp-StellaScript-notification-event input[data-event="recovery"]').check();
    await scriptView.locator('.jp-StellaScript-notification-save').click();
    await expect(scriptView.locator('.jp-StellaScript-notifications-message')).toHaveText('Saved');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'notifications.png') });
    const rules = await (await request.get(`${API}/scripts/${scriptId}/notifications`, { headers })).json();
    expect(rules.notifications).toEqual([
      { on: ['failure', 'recovery'], webhook: 'http://127.0.0.1:9/hook/${{ secrets.slack-hook }}', format: 'slack', run: null, run_kind: 'script' }
    ]);

    await page.keyboard.press('Control+Shift+C');
    await page.locator('.lm-CommandPalette-input').fill('Stella Script: Workflows');
    await page.keyboard.press('Enter');
    const workflows = page.locator('.jp-StellaScript-workflowsView:visible');
    await workflows.locator('.jp-StellaScript-workflow[data-workflow-name="sched-ui-flow"] .jp-StellaScript-workflowNotifications').click();
    await workflows.locator('.jp-StellaScript-notification-add').click();
    await workflows.locator('.jp-StellaScript-notification-channel').selectOption('run');
    await workflows.locator('.jp-StellaScript-notification-target').fill('sched-ui');
    await workflows.locator('.jp-StellaScript-notification-save').click();
    await expect(workflows.locator('.jp-StellaScript-notifications-message')).toHaveText('Saved');
    const flowRules = await (await request.get(`${API}/workflows/${workflowId}/notifications`, { headers })).json();
    expect(flowRules.notifications[0].run).toBe('sched-ui');
  } finally {
    if (scheduleId) {
      await request.delete(`${API}/schedules/${scheduleId}`, { headers });
    }
    await request.delete(`${API}/workflows/${workflowId}`, { headers });
    await deleteScript(request, scriptId);
  }
});
