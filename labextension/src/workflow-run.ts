/**
 * A workflow run's view: its steps as a graph, one column per depth of the
 * `needs` DAG (a step stands right of every step it needs, with a line from
 * each), each step with its status, script version, attempts (every retry's
 * execution), duration, exit code, error, outputs and its live output. It
 * follows the run's server-sent events (GET workflows/runs/{id}/events) until
 * the run ends; Cancel and Re-run act on it. Shown by the Workflows view and by
 * the execution centre's workflow run page.
 */
import { errorText, followEvents, formatDuration, IExecution, post, request } from './api';
import type { components } from './generated/openapi';
import { button, el, statusBadge, when } from './dom';
import { LiveOutput } from './output';
import { outputsTable } from './outputs';
import { depths } from './workflow-graph';
import type { ExecutionStatus } from './status';

type Schemas = components['schemas'];
type IWorkflowRun = Schemas['WorkflowRun'];
type IWorkflowStep = Schemas['WorkflowStep'];
type IRunAccepted = Schemas['WorkflowRunAccepted'];

const ENDED = ['Succeeded', 'Failed', 'Cancelled', 'Error'];
const SVG = 'http://www.w3.org/2000/svg';

/** A step's or run's status as a badge (the same styles as executions'). */
function badge(status: string): HTMLSpanElement {
  return statusBadge(status as ExecutionStatus);
}

/** One step's box: made once per run, updated in place so its live output and open sections stay. */
class StepNode {
  readonly node: HTMLElement;
  private readonly summary = el('div', { className: 'jp-StellaScript-summary' });
  private readonly facts = el('div', { className: 'jp-StellaScript-execution-meta jp-StellaScript-step-facts' });
  private readonly attempts = el('ol', { className: 'jp-StellaScript-step-attempts' });
  private readonly problem = el('div', { className: 'jp-StellaScript-problem' });
  private readonly outputs = el('div', { className: 'jp-StellaScript-step-outputs' });
  private readonly output = new LiveOutput();
  private readonly outputSection = el('details', { className: 'jp-StellaScript-step-output' }, el('summary', { text: 'Output' }));
  private live = false;
  private loadedFrom: string | null = null;
  private executionIds: string[] = [];

  constructor(readonly id: string) {
    this.node = el('div', { className: 'jp-StellaScript-workflowStep', attrs: { 'data-step-id': id } }, this.summary, this.facts, this.attempts, this.problem, this.outputs, this.outputSection);
    this.outputSection.append(this.output.node);
    this.outputSection.addEventListener('toggle', () => void this.loadStoredOutput());
  }

  update(step: IWorkflowStep): void {
    this.node.setAttribute('data-status', step.status);
    this.summary.replaceChildren(el('strong', { text: step.id }), badge(step.status));
    this.facts.textContent = [
      step.script ? `${step.script.name} v${step.script.version}` : '',
      step.needs.length ? `needs ${step.needs.join(', ')}` : '',
      formatDuration(step.duration_ms),
      `exit code ${step.exit_code ?? '—'}`,
      step.reused ? 'reused' : '',
      step.continued ? 'continued on error' : ''
    ]
      .filter(Boolean)
      .join(' · ');
    this.executionIds = step.execution_ids;
    // Every attempt (a retry is one more): its execution, so a failed first try can be looked at.
    this.attempts.replaceChildren(
      ...step.execution_ids.map((id, index) => el('li', { className: 'jp-StellaScript-step-attempt', title: id, text: `attempt ${index + 1}: ${id.slice(0, 8)}` }))
    );
    this.attempts.setAttribute('data-attempts', String(step.attempts));
    this.problem.textContent = step.error ?? '';
    this.problem.hidden = !step.error;
    const table = Array.isArray(step.outputs) ? null : outputsTable(step.outputs as Record<string, unknown> | null);
    this.outputs.replaceChildren(
      ...(table ? [table] : Array.isArray(step.outputs) ? [el('pre', { className: 'jp-StellaScript-output', text: JSON.stringify(step.outputs, null, 1) })] : [])
    );
  }

  /** A new attempt started: its output follows. */
  attemptStarted(executionId: string): void {
    this.live = true;
    this.loadedFrom = executionId;
    this.output.reset();
    this.outputSection.open = true;
  }

  append(stream: 'stdout' | 'stderr' | 'platform', text: string): void {
    this.live = true;
    this.output.append(stream, text);
  }

  /** A step that ran before this view followed it: its last attempt's stored output, when opened. */
  private async loadStoredOutput(): Promise<void> {
    const last = this.executionIds[this.executionIds.length - 1];
    if (!this.outputSection.open || this.live || !last || this.loadedFrom === last) {
      return;
    }
    this.loadedFrom = last;
    try {
      this.output.showRecord(await request<IExecution>(`scripts/executions/${last}`));
    } catch (error) {
      this.loadedFrom = null;
      this.problem.textContent = `Output: ${errorText(error)}`;
      this.problem.hidden = false;
    }
  }
}

export class WorkflowRunView {
  readonly node = el('div', { className: 'jp-StellaScript-workflowRun' });
  private readonly summary = el('div', { className: 'jp-StellaScript-summary' });
  private readonly graph = el('div', { className: 'jp-StellaScript-workflowGraph' });
  private readonly columns = el('div', { className: 'jp-StellaScript-workflowColumns' });
  private readonly edges = document.createElementNS(SVG, 'svg');
  private readonly cancelButton = button('Cancel', () => void this.cancel(), 'jp-mod-warn jp-StellaScript-workflowCancel');
  private readonly rerunButton = button('Re-run', () => void this.rerun(), 'jp-StellaScript-workflowRerun', 'Run the failed steps again, and what depends on them; the others keep their outputs');
  private nodes = new Map<string, StepNode>();
  private runId: string | null = null;
  private following: AbortController | null = null;
  private refreshing = 0;

  constructor(private readonly problem: HTMLElement) {
    this.edges.classList.add('jp-StellaScript-workflowEdges');
    this.graph.append(this.edges, this.columns);
    this.node.append(el('div', { className: 'jp-StellaScript-actions' }, this.cancelButton, this.rerunButton), this.summary, this.graph);
    this.cancelButton.disabled = this.rerunButton.disabled = true;
  }

  show(runId: string): void {
    this.stop();
    this.runId = runId;
    this.nodes = new Map();
    this.columns.replaceChildren();
    void this.start(runId);
  }

  private async start(runId: string): Promise<void> {
    try {
      const run = await request<IWorkflowRun>(`workflows/runs/${runId}`);
      if (runId !== this.runId) {
        return;
      }
      this.render(run);
      if (!ENDED.includes(run.status)) {
        await this.follow(runId);
      }
    } catch (error) {
      if (runId === this.runId && !(error instanceof DOMException && error.name === 'AbortError')) {
        this.problem.textContent = errorText(error);
      }
    }
  }

  /** The run's events until it ends: steps' changes re-read the run, output goes to its step. */
  private async follow(runId: string): Promise<void> {
    const following = new AbortController();
    this.following = following;
    const end = await followEvents(
      `workflows/runs/${runId}/events`,
      (event, data) => {
        const payload = JSON.parse(data) as { step?: string; execution_id?: string; stream?: string; text?: string };
        const node = payload.step ? this.nodes.get(payload.step) : undefined;
        if (event === 'output' && node && (payload.stream === 'stdout' || payload.stream === 'stderr' || payload.stream === 'platform')) {
          node.append(payload.stream, payload.text ?? '');
        } else if (event === 'execution' && node && payload.execution_id) {
          node.attemptStarted(payload.execution_id);
          this.scheduleRefresh(runId);
        } else if (event === 'step' || event === 'run') {
          this.scheduleRefresh(runId);
        }
      },
      following.signal
    );
    if (runId === this.runId) {
      window.clearTimeout(this.refreshing);
      this.render(end as unknown as IWorkflowRun);
    }
  }

  /** Events come in bursts (a step's state, its execution, the run's): one read of the run for each burst. */
  private scheduleRefresh(runId: string): void {
    window.clearTimeout(this.refreshing);
    this.refreshing = window.setTimeout(async () => {
      try {
        const run = await request<IWorkflowRun>(`workflows/runs/${runId}`);
        if (runId === this.runId) {
          this.render(run);
        }
      } catch (error) {
        this.problem.textContent = errorText(error);
      }
    }, 50);
  }

  private render(run: IWorkflowRun): void {
    const ended = ENDED.includes(run.status);
    this.cancelButton.disabled = ended;
    this.rerunButton.disabled = !ended;
    this.node.setAttribute('data-run-id', run.id);
    this.node.setAttribute('data-status', run.status);
    this.summary.replaceChildren(
      badge(run.status),
      el('span', { className: 'jp-StellaScript-duration', text: formatDuration(run.duration_ms) }),
      el('span', {
        className: 'jp-StellaScript-execution-meta',
        text: `run ${run.id} · ${when(run.started_at ?? run.queued_at)}${run.rerun_of ? ` · re-run of ${run.rerun_of.slice(0, 8)}` : ''}${run.error ? ` · ${run.error}` : ''}`
      })
    );
    if (!this.nodes.size) {
      this.layOut(run.steps);
    }
    for (const step of run.steps) {
      this.nodes.get(step.id)?.update(step);
    }
    window.requestAnimationFrame(() => this.drawEdges(run.steps));
  }

  /** One column per depth, the steps in the definition's order within it. */
  private layOut(steps: IWorkflowStep[]): void {
    const depth = depths(steps);
    const count = Math.max(0, ...depth.values()) + 1;
    const columns = Array.from({ length: count }, (_, index) => el('div', { className: 'jp-StellaScript-workflowColumn', attrs: { 'data-depth': String(index) } }));
    for (const step of steps) {
      const node = new StepNode(step.id);
      this.nodes.set(step.id, node);
      columns[depth.get(step.id) ?? 0].append(node.node);
    }
    this.columns.replaceChildren(...columns);
  }

  /** A line from each needed step's right edge to the needing step's left edge. */
  private drawEdges(steps: IWorkflowStep[]): void {
    const origin = this.graph.getBoundingClientRect();
    this.edges.setAttribute('width', String(this.graph.scrollWidth));
    this.edges.setAttribute('height', String(this.graph.scrollHeight));
    const lines: SVGElement[] = [];
    for (const step of steps) {
      const to = this.nodes.get(step.id)?.node.getBoundingClientRect();
      for (const need of step.needs) {
        const from = this.nodes.get(need)?.node.getBoundingClientRect();
        if (!to || !from) {
          continue;
        }
        const line = document.createElementNS(SVG, 'line');
        line.setAttribute('x1', String(from.right - origin.left));
        line.setAttribute('y1', String(from.top + 14 - origin.top));
        line.setAttribute('x2', String(to.left - origin.left));
        line.setAttribute('y2', String(to.top + 14 - origin.top));
        line.setAttribute('data-edge', `${need}->${step.id}`);
        lines.push(line);
      }
    }
    this.edges.replaceChildren(...lines);
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
    this.following?.abort();
    this.following = null;
    window.clearTimeout(this.refreshing);
  }
}
