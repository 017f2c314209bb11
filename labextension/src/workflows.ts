/**
 * Workflows (main area, command "Stella Script: Workflows"): the saved
 * workflows the user can read, each with Run; and the run view, the steps in
 * the definition's order with their status, attempts, duration, exit code,
 * error and outputs, updating live until the run ends, with Cancel and Re-run.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { ICommandPalette, MainAreaWidget } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';

import { errorText, post, request } from './api';
import type { components } from './generated/openapi';
import { WorkflowRunView } from './workflow-run';
import { button, el } from './dom';
import { NotificationsEditor } from './notifications';

type Schemas = components['schemas'];
type IWorkflowList = Schemas['WorkflowList'];
type IRunAccepted = Schemas['WorkflowRunAccepted'];

export const WORKFLOWS_COMMAND = 'stellascript:workflows';
export const RUN_WORKFLOW_COMMAND = 'stellascript:run-workflow';
export const SHOW_WORKFLOW_COMMAND = 'stellascript:show-workflow';
type IWorkflow = Schemas['Workflow'];

export class WorkflowsView extends Widget {
  private readonly list = el('tbody');
  private readonly problem = el('div', { className: 'jp-StellaScript-problem', attrs: { role: 'alert' } });
  private readonly runView = new WorkflowRunView(this.problem);
  private readonly notifications = el('div', { className: 'jp-StellaScript-workflow-notifications' });
  private notificationsEditor: NotificationsEditor | null = null;
  private readonly definition = el('div', { className: 'jp-StellaScript-workflowDefinition' });

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
    this.node.append(el('h2', { text: 'Workflows' }), table, this.problem, this.definition, this.notifications, el('h3', { text: 'Run' }), this.runView.node);
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
              button('Definition', () => void this.showDefinition(workflow.id), 'jp-StellaScript-workflowShow'),
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

  /** A workflow's latest definition, with its pinned script versions. */
  async showDefinition(workflowId: string): Promise<void> {
    try {
      const workflow = await request<IWorkflow>(`workflows/${workflowId}`);
      const pins = Object.entries(workflow.pins).map(([step, pin]) => `${step}: ${pin.name} v${pin.version}`);
      this.definition.replaceChildren(
        el('h3', { text: `${workflow.name} v${workflow.version}` }),
        el('div', { className: 'jp-StellaScript-execution-meta', text: `by ${workflow.created_by} · ${workflow.visibility} · pinned: ${pins.join(', ')}` }),
        el('pre', { className: 'jp-StellaScript-output', text: workflow.content ?? '' })
      );
      this.definition.setAttribute('data-workflow-id', workflow.id);
    } catch (error) {
      this.problem.textContent = errorText(error);
    }
  }

  async run(workflowId: string): Promise<void> {
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
  const show = (): WorkflowsView => {
    if (!current || current.isDisposed) {
      current = new MainAreaWidget({ content: new WorkflowsView() });
      current.id = 'stellascript-workflows-area';
      current.title.label = 'Workflows';
      app.shell.add(current, 'main');
    } else {
      void current.content.load();
    }
    app.shell.activateById(current.id);
    return current.content;
  };
  app.commands.addCommand(WORKFLOWS_COMMAND, { label: 'Stella Script: Workflows', execute: () => void show() });
  app.commands.addCommand(RUN_WORKFLOW_COMMAND, {
    label: 'Run Workflow',
    execute: args => show().run(String(args.workflowId))
  });
  app.commands.addCommand(SHOW_WORKFLOW_COMMAND, {
    label: 'Show Workflow',
    execute: args => show().showDefinition(String(args.workflowId))
  });
  palette?.addItem({ command: WORKFLOWS_COMMAND, category: 'Stella Script' });
}
