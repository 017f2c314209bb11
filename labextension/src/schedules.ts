/**
 * Schedules (main area, command "Stella Script: Schedules", and the library's clock button):
 * your schedules with their cron in plain words (cronstrue), time zone, next runs, state
 * (enable/pause, and why the server paused one), last status, Run now and each one's history of
 * runs; a form for a new one, whose cron is described as it is typed. Below, webhook triggers:
 * a new one (or a rotated one) shows its URL and secret once, with Copy buttons.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { Clipboard, ICommandPalette, MainAreaWidget } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';
import cronstrue from 'cronstrue';

import { ApiError, errorText, IScriptList, post, request } from './api';
import { button, el, select, statusBadge, when } from './dom';
import type { components } from './generated/openapi';
import type { ExecutionStatus } from './status';

type Schemas = components['schemas'];
type ISchedule = Schemas['Schedule'];
type IScheduleRun = Schemas['ScheduleRun'];
type IWebhook = Schemas['Webhook'];
type IWorkflowList = Schemas['WorkflowList'];

export const SCHEDULES_COMMAND = 'stellascript:schedules';
const REFRESH_MS = 2000;

/** The cron in plain words, or what is wrong with it (cronstrue reads 6 fields as seconds first, as the server does). */
export function describeCron(cron: string): { text: string; valid: boolean } {
  const fields = cron.trim().split(/\s+/).filter(Boolean);
  if (fields.length !== 5 && fields.length !== 6) {
    return { text: '5 fields (minute hour day month weekday), or 6 with seconds first', valid: false };
  }
  try {
    return { text: cronstrue.toString(fields.join(' '), { use24HourTimeFormat: true, verbose: false }), valid: true };
  } catch (error) {
    return { text: String(error).replace(/^Error: /, ''), valid: false };
  }
}

function parsePairs(text: string): Record<string, string> {
  const pairs: Record<string, string> = {};
  for (const line of text.split('\n').map(item => item.trim()).filter(Boolean)) {
    const at = line.indexOf('=');
    if (at > 0) {
      pairs[line.slice(0, at).trim()] = line.slice(at + 1);
    }
  }
  return pairs;
}

/** A secret shown once: the URL and the secret with Copy buttons. */
function revealed(hook: IWebhook): HTMLElement {
  const line = (label: string, value: string, className: string) => {
    const copy = button('Copy', () => void Clipboard.copyToSystem(value), `jp-StellaScript-copy jp-StellaScript-copy-${className}`, `Copy the ${label}`);
    copy.addEventListener('click', () => (copy.textContent = 'Copied'));
    return el('div', { className: 'jp-StellaScript-reveal-line' }, el('span', { text: label }), el('code', { className: `jp-StellaScript-webhook-${className}`, text: value }), copy);
  };
  return el(
    'div',
    { className: 'jp-StellaScript-webhook-reveal', attrs: { role: 'status' } },
    el('strong', { text: `Webhook ${hook.name}: copy the secret now — it is shown only this once.` }),
    line('URL', hook.url, 'url'),
    line('Secret', hook.secret ?? '', 'secret'),
    line('Signing key', hook.signing_key ?? '', 'signing-key'),
    el('p', { className: 'jp-StellaScript-hint', text: "Call it with 'Authorization: token <secret>', or sign the body with the signing key as X-Hub-Signature-256 (GitHub's webhook secret)." })
  );
}

export class SchedulesView extends Widget {
  private readonly target = select([]);
  private readonly cron = el('input', { className: 'jp-mod-styled jp-StellaScript-schedule-cron', attrs: { placeholder: '*/5 * * * *', value: '0 * * * *' } });
  private readonly preview = el('span', { className: 'jp-StellaScript-cron-preview', attrs: { 'aria-live': 'polite' } });
  private readonly zone = el('input', { className: 'jp-mod-styled jp-StellaScript-schedule-timezone' });
  private readonly overlap = select([['skip', 'skip overlapping runs'], ['queue', 'queue them'], ['allow', 'allow them']]);
  private readonly catchUp = select([['none', 'no catch-up'], ['once', 'catch up once']]);
  private readonly args = el('textarea', { className: 'jp-mod-styled jp-StellaScript-schedule-arguments', attrs: { rows: '2', placeholder: 'KEY=VALUE per line (a script) — or JSON inputs of a workflow' } });
  private readonly formProblem = el('div', { className: 'jp-StellaScript-problem jp-StellaScript-schedule-problem', attrs: { role: 'alert' } });
  private readonly rows = el('tbody', { className: 'jp-StellaScript-schedule-rows' });
  private readonly history = el('div', { className: 'jp-StellaScript-schedule-history' });
  private readonly hookTarget = select([]);
  private readonly hookName = el('input', { className: 'jp-mod-styled jp-StellaScript-webhook-name', attrs: { placeholder: 'what calls it, e.g. ci' } });
  private readonly hookRows = el('tbody', { className: 'jp-StellaScript-webhook-rows' });
  private readonly reveal = el('div', { className: 'jp-StellaScript-webhook-revealed' });
  private readonly problem = el('div', { className: 'jp-StellaScript-problem', attrs: { role: 'alert' } });
  private historyOf: string | null = null;
  private timer = 0;

  constructor() {
    super();
    this.addClass('jp-StellaScript-schedulesView');
    this.id = 'stellascript-schedules';
    this.title.label = 'Schedules';
    this.title.closable = true;
    this.zone.value = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
    this.target.classList.add('jp-StellaScript-schedule-target');
    this.hookTarget.classList.add('jp-StellaScript-webhook-target');
    this.cron.addEventListener('input', () => this.describe());
    this.describe();
    const field = (label: string, input: HTMLElement, ...extra: HTMLElement[]) => el('label', { className: 'jp-StellaScript-field' }, el('span', { text: label }), input, ...extra);
    const form = el(
      'div',
      { className: 'jp-StellaScript-schedule-form' },
      field('Run', this.target),
      field('Cron', this.cron, this.preview),
      field('Time zone', this.zone),
      field('Overlap', this.overlap),
      field('After downtime', this.catchUp),
      field('Arguments', this.args),
      button('Create schedule', () => void this.create(), 'jp-mod-accept jp-StellaScript-schedule-create'),
      this.formProblem
    );
    const table = el(
      'table',
      { className: 'jp-StellaScript-executions jp-StellaScript-schedules' },
      el('thead', {}, el('tr', {}, ...['Schedule', 'Cron', 'Next runs', 'State', 'Last run', ''].map(text => el('th', { text })))),
      this.rows
    );
    const hooks = el(
      'table',
      { className: 'jp-StellaScript-executions jp-StellaScript-webhooks' },
      el('thead', {}, el('tr', {}, ...['Webhook', 'Runs', 'State', 'Last used', ''].map(text => el('th', { text })))),
      this.hookRows
    );
    const hookForm = el('div', { className: 'jp-StellaScript-webhook-form' }, this.hookTarget, this.hookName, button('New webhook', () => void this.createHook(), 'jp-mod-accept jp-StellaScript-webhook-create'));
    this.node.append(el('h2', { text: 'Schedules' }), form, this.problem, table, this.history, el('h2', { text: 'Webhook triggers' }), hookForm, this.reveal, hooks);
    void this.loadTargets();
    void this.load();
    this.timer = window.setInterval(() => {
      if (this.isVisible) {
        void this.load();
      }
    }, REFRESH_MS);
  }

  private describe(): void {
    const { text, valid } = describeCron(this.cron.value);
    this.preview.textContent = text;
    this.preview.classList.toggle('jp-mod-invalid', !valid);
  }

  private async loadTargets(): Promise<void> {
    try {
      const [scripts, workflows] = await Promise.all([request<IScriptList>('scripts?limit=500'), request<IWorkflowList>('workflows?limit=200')]);
      const options: [string, string][] = [
        ...scripts.items.map(script => [`script:${script.id}`, `script ${script.name}`] as [string, string]),
        ...workflows.items.map(workflow => [`workflow:${workflow.id}`, `workflow ${workflow.name}`] as [string, string])
      ];
      for (const target of [this.target, this.hookTarget]) {
        const chosen = target.value;
        target.replaceChildren(...options.map(([value, label]) => Object.assign(el('option', { text: label }), { value })));
        if (chosen) {
          target.value = chosen;
        }
      }
    } catch (error) {
      this.problem.textContent = errorText(error);
    }
  }

  async load(): Promise<void> {
    try {
      const [schedules, hooks] = await Promise.all([request<{ items: ISchedule[] }>('schedules?limit=500'), request<{ items: IWebhook[] }>('webhooks?limit=500')]);
      this.rows.replaceChildren(...schedules.items.map(schedule => this.row(schedule)));
      this.hookRows.replaceChildren(...hooks.items.map(hook => this.hookRow(hook)));
      if (this.historyOf) {
        await this.showHistory(this.historyOf);
      }
    } catch (error) {
      this.problem.textContent = errorText(error);
    }
  }

  private targetBody(choice: string): Record<string, string> {
    const [kind, id] = choice.split(':');
    return kind === 'workflow' ? { workflow_id: id } : { script_id: id };
  }

  private async create(): Promise<void> {
    this.formProblem.textContent = '';
    const body: Record<string, unknown> = {
      ...this.targetBody(this.target.value),
      cron: this.cron.value.trim(),
      timezone: this.zone.value.trim(),
      overlap: this.overlap.value,
      catch_up: this.catchUp.value
    };
    const text = this.args.value.trim();
    if (text) {
      if (this.target.value.startsWith('workflow:')) {
        try {
          body.inputs = JSON.parse(text);
        } catch (error) {
          this.formProblem.textContent = `inputs: ${error}`;
          return;
        }
      } else {
        body.arguments = parsePairs(text);
      }
    }
    try {
      await post('schedules', body);
      await this.load();
    } catch (error) {
      this.formProblem.textContent = error instanceof ApiError && error.errors.length ? error.errors.map(e => `${e.field}: ${e.message}`).join('\n') : errorText(error);
    }
  }

  private row(schedule: ISchedule): HTMLElement {
    const last = schedule.last_run;
    const state = schedule.enabled ? 'enabled' : schedule.paused_reason ? `paused: ${schedule.paused_reason}` : 'paused';
    const act = (path: string) => async () => {
      try {
        await post(`schedules/${schedule.id}/${path}`, {});
        await this.load();
      } catch (error) {
        this.problem.textContent = errorText(error);
      }
    };
    const target = schedule.script_id ? 'script' : 'workflow';
    return el(
      'tr',
      { className: 'jp-StellaScript-schedule', attrs: { 'data-schedule-id': schedule.id, 'data-enabled': String(schedule.enabled) } },
      el('td', { className: 'jp-StellaScript-schedule-name', text: schedule.name ?? `${target} ${schedule.target_name}` }),
      el('td', {}, el('code', { text: schedule.cron }), el('div', { className: 'jp-StellaScript-cron-words', text: `${describeCron(schedule.cron).text} (${schedule.timezone})` })),
      el('td', { className: 'jp-StellaScript-next-runs' }, ...schedule.next_runs.slice(0, 3).map(moment => el('div', { text: when(moment) }))),
      el('td', { className: 'jp-StellaScript-schedule-state', text: state }),
      el('td', { className: 'jp-StellaScript-schedule-last' }, last ? statusBadge((last.status ?? last.outcome) as ExecutionStatus) : statusBadge(null)),
      el(
        'td',
        { className: 'jp-StellaScript-row-actions' },
        schedule.enabled ? button('Pause', () => void act('pause')(), 'jp-StellaScript-schedule-pause') : button('Resume', () => void act('resume')(), 'jp-StellaScript-schedule-resume'),
        button('Run now', () => void act('run-now')(), 'jp-StellaScript-schedule-run-now'),
        button('History', () => void this.showHistory(schedule.id), 'jp-StellaScript-schedule-show-history'),
        button('Delete', () => void this.remove(`schedules/${schedule.id}`), 'jp-mod-warn jp-StellaScript-schedule-delete')
      )
    );
  }

  private async showHistory(scheduleId: string): Promise<void> {
    this.historyOf = scheduleId;
    const { items } = await request<{ items: IScheduleRun[] }>(`schedules/${scheduleId}/runs?limit=50`);
    this.history.replaceChildren(
      el('h3', { text: 'History' }),
      el(
        'ol',
        { className: 'jp-StellaScript-schedule-runs' },
        ...items.map(fire =>
          el(
            'li',
            { className: 'jp-StellaScript-schedule-run', attrs: { 'data-outcome': fire.outcome } },
            el('span', { text: when(fire.fire_time) }),
            statusBadge((fire.status ?? fire.outcome) as ExecutionStatus),
            el('span', { className: 'jp-StellaScript-execution-meta', text: [fire.catch_up ? 'catch-up' : '', fire.manual ? 'run now' : '', fire.run_id ?? '', fire.message ?? ''].filter(Boolean).join(' · ') })
          )
        )
      )
    );
  }

  private async remove(endpoint: string): Promise<void> {
    try {
      await request(endpoint, { method: 'DELETE' });
      if (this.historyOf && endpoint.endsWith(this.historyOf)) {
        this.historyOf = null;
        this.history.replaceChildren();
      }
      await this.load();
    } catch (error) {
      this.problem.textContent = errorText(error);
    }
  }

  private hookRow(hook: IWebhook): HTMLElement {
    const rotate = async () => {
      try {
        this.reveal.replaceChildren(revealed(await post<IWebhook>(`webhooks/${hook.id}/rotate`, {})));
        await this.load();
      } catch (error) {
        this.problem.textContent = errorText(error);
      }
    };
    const revoke = async () => {
      try {
        await post(`webhooks/${hook.id}/revoke`, {});
        await this.load();
      } catch (error) {
        this.problem.textContent = errorText(error);
      }
    };
    return el(
      'tr',
      { className: 'jp-StellaScript-webhook', attrs: { 'data-webhook-id': hook.id } },
      el('td', { text: hook.name, title: hook.url }),
      el('td', { text: `${hook.script_id ? 'script' : 'workflow'} ${hook.target_name}` }),
      el('td', { className: 'jp-StellaScript-webhook-state', text: hook.revoked ? 'revoked' : 'active' }),
      el('td', { text: when(hook.last_used_at) }),
      el(
        'td',
        { className: 'jp-StellaScript-row-actions' },
        button('Rotate', () => void rotate(), 'jp-StellaScript-webhook-rotate', 'A new secret; the old one stops at once'),
        button('Revoke', () => void revoke(), 'jp-StellaScript-webhook-revoke'),
        button('Delete', () => void this.remove(`webhooks/${hook.id}`), 'jp-mod-warn jp-StellaScript-webhook-delete')
      )
    );
  }

  private async createHook(): Promise<void> {
    this.problem.textContent = '';
    try {
      const hook = await post<IWebhook>('webhooks', { ...this.targetBody(this.hookTarget.value), name: this.hookName.value.trim() });
      this.reveal.replaceChildren(revealed(hook));
      await this.load();
    } catch (error) {
      this.problem.textContent = errorText(error);
    }
  }

  dispose(): void {
    window.clearInterval(this.timer);
    super.dispose();
  }
}

export function addSchedulesCommand(app: JupyterFrontEnd, palette: ICommandPalette | null): void {
  let current: MainAreaWidget<SchedulesView> | null = null;
  app.commands.addCommand(SCHEDULES_COMMAND, {
    label: 'Stella Script: Schedules',
    caption: 'Schedules and webhook triggers of scripts and workflows',
    execute: () => {
      if (!current || current.isDisposed) {
        current = new MainAreaWidget({ content: new SchedulesView() });
        current.id = 'stellascript-schedules-area';
        current.title.label = 'Schedules';
        app.shell.add(current, 'main');
      } else {
        void current.content.load();
      }
      app.shell.activateById(current.id);
    }
  });
  palette?.addItem({ command: SCHEDULES_COMMAND, category: 'Stella Script' });
}
