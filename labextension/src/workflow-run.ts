/**
 * A workflow run's view: the steps in the definition's order with their status,
 * attempts, duration, exit code, error and outputs, updating live until the run
 * ends, with Cancel and Re-run. Shown by the Workflows view and by the
 * execution centre's workflow run page.
 */
import { errorText, formatDuration, post, request } from './api';
import type { components } from './generated/openapi';
import { button, el, statusBadge, when } from './dom';
import { outputsTable } from './outputs';
import type { ExecutionStatus } from './status';

type Schemas = components['schemas'];
type IWorkflowRun = Schemas['WorkflowRun'];
type IWorkflowStep = Schemas['WorkflowStep'];
type IRunAccepted = Schemas['WorkflowRunAccepted'];

const POLL_MS = 500;
const ENDED = ['Succeeded', 'Failed', 'Cancelled', 'Error'];

/** A step's or run's status as a badge (the same styles as executions'). */
function badge(status: string): HTMLSpanElement {
  return statusBadge(status as ExecutionStatus);
}

export class WorkflowRunView {
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

