/**
 * The execution centre (main area): every execution the caller may see,
 * across scripts, and the caller's workflow runs, newest first and paged,
 * filtered by kind, status, script, user, trigger and time range (in the
 * server: GET scripts/executions and GET workflows/runs). A workflow run's
 * page is its run view (steps, outputs, Cancel, Re-run). An
 * execution's page shows its arguments, environment names, limits, version,
 * dependency lock, timings and output; Run again starts it once more with the
 * same values (Edit first opens the script's Run form with them). Two
 * executions' output can be compared side by side.
 */
import { Widget } from '@lumino/widgets';

import { errorText, IExecution, IExecutionAccepted, IExecutionList, IScript, formatDuration, isFinished, post, request } from './api';
import { runStatusValues } from './generated/openapi';
import type { components } from './generated/openapi';
import { fillDiffTable } from './diff';
import { ago, button, el, select, statusBadge, when } from './dom';
import { LiveOutput } from './output';
import { EXECUTION_STATUSES, ExecutionStatus } from './status';
import { WorkflowRunView } from './workflow-run';

type IWorkflowRun = components['schemas']['WorkflowRun'];
type IWorkflowRunList = components['schemas']['WorkflowRunList'];

const PAGE = 50;
const TRIGGERS = ['api', 'ui', 'notebook', 'cli', 'workflow', 'schedule', 'webhook', 'notification'];
/** The server's largest page: merging the two lists reads at most this far into each. */
const MAX_LIMIT = 500;
/** Triggers a workflow run itself records (GET workflows/runs?trigger=). */
const RUN_TRIGGERS = ['schedule', 'webhook', 'notification'];
const RUN_STATUSES: readonly string[] = runStatusValues;

type Row = { kind: 'execution'; item: IExecution } | { kind: 'workflow'; item: IWorkflowRun };

/**
 * Whether workflow runs answer these filters. A run has no script of its own
 * (its steps' executions are listed with their scripts) and is not submitted
 * with a trigger header: it is part of the "workflow" trigger, with the step
 * executions it started, and of no other.
 */
function runsMatch(kind: string, status: string, script: string, trigger: string): boolean {
  return kind !== 'scripts' && !script && (!status || RUN_STATUSES.includes(status)) && (!trigger || trigger === 'workflow' || RUN_TRIGGERS.includes(trigger));
}

export interface IExecutionActions {
  /** Open the script's Run section with these values in the form, to edit before running. */
  editAndRun(record: IExecution): void;
}

export class ExecutionCentre extends Widget {
  private readonly kind = select([['', 'Scripts and workflows'], ['scripts', 'Script executions'], ['workflows', 'Workflow runs']]);
  private readonly status = select([['', 'Any status'], ...EXECUTION_STATUSES.map(s => [s, s] as [string, string])]);
  private readonly script = el('input', { className: 'jp-mod-styled jp-StellaScript-filter-script', attrs: { placeholder: 'Script: name or owner/name', type: 'search' } });
  private readonly user = el('input', { className: 'jp-mod-styled jp-StellaScript-filter-user', attrs: { placeholder: 'User', type: 'search' } });
  private readonly trigger = select([['', 'Any trigger'], ...TRIGGERS.map(t => [t, t] as [string, string])]);
  private readonly since = el('input', { className: 'jp-mod-styled jp-StellaScript-filter-since', attrs: { type: 'datetime-local', 'aria-label': 'since' } });
  private readonly until = el('input', { className: 'jp-mod-styled jp-StellaScript-filter-until', attrs: { type: 'datetime-local', 'aria-label': 'until' } });
  private readonly rows = el('tbody');
  private readonly pageInfo = el('span', { className: 'jp-StellaScript-page-info' });
  private readonly previous = button('‹ Newer', () => this.turn(-1), 'jp-StellaScript-page-previous');
  private readonly next = button('Older ›', () => this.turn(1), 'jp-StellaScript-page-next');
  private readonly compare = button('Compare output', () => void this.compareSelected(), 'jp-StellaScript-compare', 'Compare the output of the two selected executions');
  private readonly problem = el('div', { className: 'jp-StellaScript-problem', attrs: { role: 'alert' } });
  private readonly detail = el('div', { className: 'jp-StellaScript-execution-page' });
  private readonly selected = new Set<string>();
  private readonly scriptNames = new Map<string, string>();
  private readonly workflowNames = new Map<string, string>();
  private readonly runView = new WorkflowRunView(this.problem);
  private offset = 0;
  private debounce = 0;

  constructor(private readonly actions: IExecutionActions) {
    super();
    this.id = 'stellascript-executions';
    this.addClass('jp-StellaScript-executionCentre');
    this.title.label = 'Executions';
    this.title.closable = true;
    this.status.classList.add('jp-StellaScript-filter-status');
    this.trigger.classList.add('jp-StellaScript-filter-trigger');
    this.kind.classList.add('jp-StellaScript-filter-kind');
    for (const input of [this.script, this.user]) {
      input.addEventListener('input', () => {
        window.clearTimeout(this.debounce);
        this.debounce = window.setTimeout(() => this.filter(), 300);
      });
    }
    for (const choice of [this.kind, this.status, this.trigger, this.since, this.until]) {
      choice.addEventListener('change', () => this.filter());
    }
    this.compare.disabled = true;
    const table = el(
      'table',
      { className: 'jp-StellaScript-executions jp-StellaScript-centre-table' },
      el('thead', {}, el('tr', {}, ...['', 'Queued', 'Script', 'Version', 'Status', 'Exit', 'Duration', 'By', 'Trigger'].map(text => el('th', { text })))),
      this.rows
    );
    this.node.append(
      el('h2', { className: 'jp-StellaScript-title', text: 'Executions' }),
      el('div', { className: 'jp-StellaScript-centre-filters' }, this.kind, this.status, this.script, this.user, this.trigger, el('label', { text: 'from' }, this.since), el('label', { text: 'to' }, this.until)),
      this.problem,
      el('div', { className: 'jp-StellaScript-centre-paging' }, this.previous, this.pageInfo, this.next, this.compare),
      table,
      this.detail
    );
    void this.refresh();
  }

  private filter(): void {
    this.offset = 0;
    void this.refresh();
  }

  private turn(direction: number): void {
    this.offset = Math.max(0, this.offset + direction * PAGE);
    void this.refresh();
  }

  async refresh(): Promise<void> {
    this.problem.textContent = '';
    const withRuns = runsMatch(this.kind.value, this.status.value, this.script.value.trim(), this.trigger.value);
    const withExecutions = this.kind.value !== 'workflows';
    const merging = withExecutions && withRuns;
    try {
      const [executions, runs] = await Promise.all([
        withExecutions ? this.executions(merging) : Promise.resolve({ items: [], total: 0 }),
        withRuns ? this.workflowRuns(merging) : Promise.resolve({ items: [], total: 0 })
      ]);
      // Both lists are newest first, each read from its start: the page is the slice at offset of both merged.
      const merged: Row[] = [
        ...executions.items.map(item => ({ kind: 'execution', item }) as Row),
        ...runs.items.map(item => ({ kind: 'workflow', item }) as Row)
      ].sort((a, b) => (a.item.queued_at < b.item.queued_at ? 1 : a.item.queued_at > b.item.queued_at ? -1 : 0));
      const rows = merging ? merged.slice(this.offset, this.offset + PAGE) : merged;
      await this.learnNames(rows);
      this.render(rows);
      const total = executions.total + runs.total;
      const last = this.offset + rows.length;
      this.pageInfo.textContent = total ? `${this.offset + 1}–${last} of ${total}` : 'No executions match.';
      this.previous.disabled = this.offset === 0;
      // Merged, a page past the server's largest one cannot be read from the start: narrow the filters.
      this.next.disabled = last >= total || (merging && this.offset + 2 * PAGE > MAX_LIMIT);
    } catch (error) {
      this.rows.replaceChildren();
      this.problem.textContent = errorText(error);
    }
  }

  /** One list's window: from its start when two lists are merged (see refresh), else the page itself. */
  private window(merging: boolean): URLSearchParams {
    return merging
      ? new URLSearchParams({ limit: String(Math.min(MAX_LIMIT, this.offset + PAGE)), offset: '0' })
      : new URLSearchParams({ limit: String(PAGE), offset: String(this.offset) });
  }

  /** The filters both lists take: user and time range. */
  private common(merging: boolean): URLSearchParams {
    const query = this.window(merging);
    for (const [name, input] of [['since', this.since], ['until', this.until]] as const) {
      if (input.value) {
        query.set(name, new Date(input.value).toISOString());
      }
    }
    if (this.user.value.trim()) {
      query.set('requested_by', this.user.value.trim());
    }
    if (this.status.value) {
      query.set('status', this.status.value);
    }
    return query;
  }

  private async executions(merging: boolean): Promise<IExecutionList> {
    const query = this.common(merging);
    if (this.script.value.trim()) {
      const script = await request<IScript>(`scripts/resolve?ref=${encodeURIComponent(this.script.value.trim())}`);
      query.set('script_id', script.id);
    }
    if (this.trigger.value) {
      query.set('trigger', this.trigger.value);
    }
    return request<IExecutionList>(`scripts/executions?${query}`);
  }

  private workflowRuns(merging: boolean): Promise<IWorkflowRunList> {
    const query = this.common(merging);
    if (RUN_TRIGGERS.includes(this.trigger.value)) {
      query.set('trigger', this.trigger.value); // "workflow" (or none): every run
    }
    return request<IWorkflowRunList>(`workflows/runs?${query}`);
  }

  /** The names of the page's scripts and workflows (one look-up for each not seen before). */
  private async learnNames(rows: Row[]): Promise<void> {
    const lookUp = async (names: Map<string, string>, ids: (string | null | undefined)[], path: string) => {
      const unknown = [...new Set(ids.filter((id): id is string => !!id && !names.has(id)))];
      await Promise.all(
        unknown.map(async id => {
          try {
            names.set(id, (await request<{ name: string }>(`${path}/${id}`)).name);
          } catch {
            names.set(id, id.slice(0, 8)); // deleted, or no longer readable
          }
        })
      );
    };
    await Promise.all([
      lookUp(this.scriptNames, rows.map(row => (row.kind === 'execution' ? row.item.script_id : null)), 'scripts'),
      lookUp(this.workflowNames, rows.map(row => (row.kind === 'workflow' ? row.item.workflow_id : null)), 'workflows')
    ]);
  }

  private render(rows: Row[]): void {
    this.rows.replaceChildren(...rows.map(row => (row.kind === 'execution' ? this.executionRow(row.item) : this.workflowRow(row.item))));
  }

  private workflowRow(run: IWorkflowRun): HTMLTableRowElement {
    const name = run.workflow_id ? this.workflowNames.get(run.workflow_id) ?? '' : '(local definition)';
    const row = el(
      'tr',
      { className: 'jp-StellaScript-centre-row jp-StellaScript-centre-workflow', attrs: { 'data-workflow-run-id': run.id } },
      el('td', {}),
      el('td', { text: ago(run.queued_at), title: when(run.queued_at) }),
      el('td', {}, el('span', { className: 'jp-StellaScript-centre-script', text: name }), ' ', el('span', { className: 'jp-StellaScript-tag-chip jp-StellaScript-centre-kind', text: `workflow · ${run.steps.length} steps` })),
      el('td', { text: run.workflow_version ?? '' }),
      el('td', {}, statusBadge(run.status as ExecutionStatus)),
      el('td', { text: '—' }),
      el('td', { text: formatDuration(run.duration_ms) }),
      el('td', { className: 'jp-StellaScript-centre-user', text: run.requested_by }),
      el('td', { className: 'jp-StellaScript-centre-trigger', text: 'workflow', title: 'A workflow run: it and the executions of its steps are the trigger "workflow"' })
    );
    row.addEventListener('click', () => this.showWorkflowRun(run.id, name));
    return row;
  }

  /** A workflow run's page: its run view, live while it runs. */
  showWorkflowRun(runId: string, name: string): void {
    this.detail.replaceChildren(el('h3', { className: 'jp-StellaScript-execution-heading', text: `Workflow run: ${name}` }), this.runView.node);
    this.detail.removeAttribute('data-execution-id');
    this.detail.setAttribute('data-workflow-run-id', runId);
    this.runView.show(runId);
  }

  private executionRow(item: IExecution): HTMLTableRowElement {
    const pick = el('input', { attrs: { type: 'checkbox', 'aria-label': 'select to compare' } });
    pick.checked = this.selected.has(item.id);
    pick.addEventListener('click', event => event.stopPropagation());
    pick.addEventListener('change', () => {
      if (pick.checked) {
        this.selected.add(item.id);
      } else {
        this.selected.delete(item.id);
      }
      this.compare.disabled = this.selected.size !== 2;
    });
    const row = el(
      'tr',
      { className: 'jp-StellaScript-centre-row', attrs: { 'data-execution-id': item.id } },
      el('td', {}, pick),
      el('td', { text: ago(item.queued_at), title: when(item.queued_at) }),
      el('td', { className: 'jp-StellaScript-centre-script', text: item.script_id ? this.scriptNames.get(item.script_id) ?? '' : '(ad hoc)' }),
      el('td', { text: item.script_version ?? '' }),
      el('td', {}, statusBadge(item.status)),
      el('td', { text: item.exit_code === null ? '—' : String(item.exit_code) }),
      el('td', { text: formatDuration(item.duration_ms) }),
      el('td', { className: 'jp-StellaScript-centre-user', text: item.requested_by }),
      el('td', { className: 'jp-StellaScript-centre-trigger', text: item.trigger ?? 'api' })
    );
    row.addEventListener('click', () => void this.showExecution(item.id));
    return row;
  }

  /** An execution's page; its record (null when it cannot be read). */
  async showExecution(executionId: string): Promise<IExecution | null> {
    let record: IExecution;
    try {
      record = await request<IExecution>(`scripts/executions/${executionId}`);
    } catch (error) {
      this.problem.textContent = errorText(error);
      return null;
    }
    const output = new LiveOutput();
    output.showRecord(record);
    const facts: [string, string][] = [
      ['Script', record.script_id ? `${this.scriptNames.get(record.script_id) ?? record.script_id} v${record.script_version}` : '(ad hoc)'],
      ['Status', `${record.status}${record.exit_code === null ? '' : `, exit code ${record.exit_code}`}${record.termination_reason ? ` (${record.termination_reason})` : ''}`],
      ['Arguments', Object.entries(record.arguments).map(([k, v]) => `${k}=${v}`).join('\n') || '—'],
      ['Environment', record.environment_keys.join(', ') || '—'],
      ['Network', record.network_mode],
      ['Timeout', `${record.timeout} s`],
      ['Limits', record.limits ? `${Math.round(record.limits.memory_bytes / 1048576)} MiB, ${record.limits.cpus} CPUs, ${record.limits.pids} processes` : '—'],
      ['Dependency lock', record.dependency_lock_sha256 ?? 'none'],
      ['Queued', when(record.queued_at)],
      ['Started', when(record.started_at)],
      ['Finished', when(record.completed_at)],
      ['Duration', formatDuration(record.duration_ms)],
      ['By', `${record.requested_by} (${record.trigger ?? 'api'})`]
    ];
    const again = button('Run again', () => void this.runAgain(record), 'jp-mod-accept jp-StellaScript-run-again', 'The same version, arguments, network and timeout');
    const edit = button('Edit and run…', () => this.actions.editAndRun(record), 'jp-StellaScript-edit-run', 'Open the Run form with these values');
    again.disabled = edit.disabled = !record.script_id || Boolean(record.redacted);
    const actions = el('div', { className: 'jp-StellaScript-actions' }, again, edit);
    const runId = record.workflow_run_id;
    if (runId) {
      // A workflow's step: its run is one click away.
      facts.push(['Workflow step', `${record.step_id ?? '?'} of run ${runId}`]);
      actions.append(button('Show workflow run', () => this.showWorkflowRun(runId, `run ${runId.slice(0, 8)}`), 'jp-StellaScript-show-run'));
    }
    this.detail.replaceChildren(
      el('h3', { className: 'jp-StellaScript-execution-heading', text: `Execution ${record.id}` }),
      el('dl', { className: 'jp-StellaScript-facts' }, ...facts.flatMap(([term, value]) => [el('dt', { text: term }), el('dd', { text: value })])),
      actions,
      record.error ? el('div', { className: 'jp-StellaScript-problem', text: record.error }) : '',
      output.node
    );
    this.detail.setAttribute('data-execution-id', record.id);
    this.detail.removeAttribute('data-workflow-run-id');
    this.runView.stop();
    return record;
  }

  private async runAgain(record: IExecution): Promise<void> {
    try {
      // Environment values are not stored (only their names): a run again has none.
      const accepted = await post<IExecutionAccepted>(`scripts/${record.script_id}/execute`, {
        version: record.script_version,
        arguments: record.arguments,
        network_mode: record.network_mode,
        timeout: record.timeout
      });
      this.offset = 0;
      await this.refresh();
      await this.follow(accepted.execution_id);
    } catch (error) {
      this.problem.textContent = errorText(error);
    }
  }

  /** Show a new run's page, again until it has finished. */
  private async follow(executionId: string): Promise<void> {
    for (;;) {
      const record = await this.showExecution(executionId);
      if (!record || isFinished(record.status) || this.isDisposed) {
        await this.refresh();
        return;
      }
      await new Promise(resolve => window.setTimeout(resolve, 1000));
    }
  }

  private async compareSelected(): Promise<void> {
    const [first, second] = await Promise.all([...this.selected].map(id => request<IExecution>(`scripts/executions/${id}`)));
    // Older on the left.
    const [left, right] = first.queued_at <= second.queued_at ? [first, second] : [second, first];
    const label = (record: IExecution) => `${this.scriptNames.get(record.script_id ?? '') ?? 'ad hoc'} ${when(record.queued_at)} (${record.status})`;
    const table = el('table', { className: 'jp-StellaScript-diff jp-StellaScript-output-diff' });
    const text = (record: IExecution) => `${record.stdout ?? ''}${record.stderr ? `\n--- stderr ---\n${record.stderr}` : ''}`;
    fillDiffTable(table, text(left), text(right), label(left), label(right));
    this.detail.replaceChildren(el('h3', { text: 'Output compared' }), table);
    this.detail.removeAttribute('data-execution-id');
    this.detail.removeAttribute('data-workflow-run-id');
    this.runView.stop();
  }

  dispose(): void {
    this.runView.stop();
    super.dispose();
  }
}
