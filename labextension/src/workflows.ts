/**
 * Workflows (main area, command "Stella Script: Workflows"): the saved
 * workflows the user can read, each with Run; and the run view, the steps in
 * the definition's order with their status, attempts, duration, exit code,
 * error and outputs, updating live until the run ends, with Cancel and Re-run.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { ICommandPalette, MainAreaWidget } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';

import { errorText, formatDuration, post, request } from './api';
import type { components } from './generated/openapi';
import { button, el, statusBadge, when } from './dom';
import { NotificationsEditor } from './notifications';
import { outputsTable } from './outputs';
import type { ExecutionStatus } from './status';

type Schemas = components['schemas'];
type IWorkflowList = Schemas['WorkflowList'];
type IWorkflowRun = Schemas['WorkflowRun'];
type IWorkflowStep = Schemas['WorkflowStep'];
type IRunAccepted = Schemas['WorkflowRunAccepted'];

export const WORKFLOWS_COMMAND = 'stellascript:workflows';
const POLL_MS = 500;
const ENDED = ['Succeeded', 'Failed', 'Cancelled', 'Error'];

/** A step's or run's status as a badge (the same styles as executions'). */
function badge(status: string): HTMLSpanElement {
  return statusBadge(status as ExecutionStatus);
}

class WorkflowRunView {
  readonly node = el('div', { className: 'jp-StellaScript-workflowRun' });
  private readonly summary = el('div', { className: 'jp-StellaScript-summary' });
  private readonly steps = el('ol', { className: 'jp-StellaScript-workflowSteps' });
  private readonly cancelButton = button('Cancel', () => void this.cancel(), 'jp-mod-warn jp-StellaScript-workflowCancel');
  private readonly rerunButton = button('Re-run', () => void this.rerun(), 'jp-StellaScript-workflowRerun');
  private runId: string | null = null;
  private timer: number | null = null;

  constructor(private readonly problem: HTMLElement) {
    this.node.append(el('div', { className: 'jp-StellaScript-actions' }, this.cancelButton, this.rerunButton), this.summary, this.steps);
    this.cancelButton.disabled = this.rerunButton.disabled = true;
  }

  show(runId: string): void {
    this.runId = runId;
    this.stop();
    void this.refresh();
  }

  private async refresh(): Promise<void> {
    const runId = this.runId;
    if (!runId) {
      return;
    }
    try {
      const run = await request<IWorkflowRun>(`workflows/runs/${runId}`);
      if (runId !== this.runId) {
        return;
      }
      this.render(run);
      if (!ENDED.includes(run.status)) {
        this.timer = window.setTimeout(() => void this.refresh(), POLL_MS);
      }
    } catch (error) {
      this.problem.textContent = errorText(error);
    }
  }

  private render(run: IWorkflowRun): void {
    const ended = ENDED.includes(run.status);
    this.cancelButton.disabled = ended;
    this.rerunButton.disabled = !ended;
    this.summary.replaceChildren(
      badge(run.status),
      el('span', { className: 'jp-StellaScript-duration', text: formatDuration(run.duration_ms) }),
      el('span', { className: 'jp-StellaScript-execution-meta', text: `run ${run.id} · ${when(run.started_at ?? run.queued_at)}${run.error ? ` · ${run.error}` : ''}` })
    );
    this.steps.replaceChildren(...run.steps.map(step => this.stepItem(step)));
  }

  private stepItem(step: IWorkflowStep): HTMLElement {
    const facts = [
      `attempts ${step.attempts}`,
      formatDuration(step.duration_ms),
      `exit code ${step.exit_code ?? '—'}`,
      step.reused ? 'reused' : '',
      step.continued ? 'continued on error' : ''
    ].filter(Boolean);
    const item = el(
      'li',
      { className: 'jp-StellaScript-workflowStep', attrs: { 'data-step-id': step.id, 'data-status': step.status } },
      el('div', { className: 'jp-StellaScript-summary' }, el('strong', { text: step.id }), badge(step.status), el('span', { text: facts.join(' · ') })),
      ...(step.error ? [el('div', { className: 'jp-StellaScript-problem', text: step.error })] : [])
    );
    const outputs = Array.isArray(step.outputs) ? null : outputsTable(step.outputs as Record<string, unknown> | null);
    if (outputs) {
      item.append(outputs);
    } else if (Array.isArray(step.outputs)) {
      item.append(el('pre', { className: 'jp-StellaScript-output', text: JSON.stringify(step.outputs, null, 1) }));
    }
    return item;
  }

  private async cancel(): Promise<void> {
    if (this.runId) {
      try {
        await post(`workflows/runs/${this.runId}/cancel`, {});
      } catch (error) {
        this.problem.textContent = errorText(error);
      }
    }
  }

  private async rerun(): Promise<void> {
    if (this.runId) {
      try {
        const accepted = await post<IRunAccepted>(`workflows/runs/${this.runId}/rerun`, {});
        this.show(accepted.run_id);
      } catch (error) {
        this.problem.textContent = errorText(error);
      }
    }
  }

  stop(): void {
    if (this.timer !== null) {
      window.clearTimeout(this.timer);
      this.timer = null;
    }
  }
}

export class WorkflowsView extends Widget {
  private readonly list = el('tbody');
  private readonly problem = el('div', { className: 'jp-StellaScript-problem', attrs: { role: 'alert' } });
  private readonly runView = new WorkflowRunView(this.problem);
  private readonly notifications = el('div', { className: 'jp-StellaScript-workflow-notifications' });
  private notificationsEditor: NotificationsEditor | null = null;

  constructor() {
    super();
    this.addClass('jp-StellaScript-workflowsView');
    this.id = 'stellascript-workflows';
    this.title.label = 'Workflows';
    this.title.closable = true;
    const table = el(
      'table',
      { className: 'jp-StellaScript-executions' },
      el('thead', {}, el('tr', {}, ...['Workflow', 'Version', 'Visibility', 'Steps', ''].map(text => el('th', { text })))),
      this.list
    );
    this.node.append(el('h2', { text: 'Workflows' }), table, this.problem, this.notifications, el('h3', { text: 'Run' }), this.runView.node);
    void this.load();
  }

  async load(): Promise<void> {
    try {
      const workflows = await request<IWorkflowList>('workflows?limit=200');
      this.list.replaceChildren(
        ...workflows.items.map(workflow =>
          el(
            'tr',
            { className: 'jp-StellaScript-workflow', attrs: { 'data-workflow-name': workflow.name } },
            el('td', { text: workflow.name }),
            el('td', { text: workflow.latest_version }),
            el('td', { text: workflow.visibility }),
            el('td', { text: Object.keys(workflow.pins).join(', ') }),
            el(
              'td',
              {},
              button('Run', () => void this.run(workflow.id), 'jp-mod-accept jp-StellaScript-workflowStart'),
              button('Notifications', () => this.showNotifications(workflow.id), 'jp-StellaScript-workflowNotifications', 'Who is told when its runs fail, recover, succeed or start')
            )
          )
        )
      );
    } catch (error) {
      this.problem.textContent = errorText(error);
    }
  }

  /** The workflow's notification settings, below the list (one at a time). */
  private showNotifications(workflowId: string): void {
    this.notificationsEditor?.dispose();
    this.notificationsEditor = new NotificationsEditor('workflows', workflowId);
    this.notifications.replaceChildren(this.notificationsEditor.node);
  }

  private async run(workflowId: string): Promise<void> {
    this.problem.textContent = '';
    try {
      const accepted = await post<IRunAccepted>(`workflows/${workflowId}/run`, { inputs: {} });
      this.runView.show(accepted.run_id);
    } catch (error) {
      this.problem.textContent = errorText(error);
    }
  }

  dispose(): void {
    this.notificationsEditor?.dispose();
    this.runView.stop();
    super.dispose();
  }
}

export function addWorkflowsCommand(app: JupyterFrontEnd, palette: ICommandPalette | null): void {
  let current: MainAreaWidget<WorkflowsView> | null = null;
  app.commands.addCommand(WORKFLOWS_COMMAND, {
    label: 'Stella Script: Workflows',
    execute: () => {
      if (!current || current.isDisposed) {
        current = new MainAreaWidget({ content: new WorkflowsView() });
        current.id = 'stellascript-workflows-area';
        current.title.label = 'Workflows';
        app.shell.add(current, 'main');
      } else {
        void current.content.load();
      }
      app.shell.activateById(current.id);
    }
  });
  palette?.addItem({ command: WORKFLOWS_COMMAND, category: 'Stella Script' });
}
