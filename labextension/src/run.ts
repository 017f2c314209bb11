/**
 * The run view (main area): arguments and environment as a form, network
 * mode and timeout; live output while the script runs; status, exit code and
 * duration; the script's past executions, each of which can be opened.
 */
import { Notification } from '@jupyterlab/apputils';
import { Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

import { ApiError, errorText, IExecuteRequest, IExecution, IExecutionAccepted, IExecutionList, IParameter, IScript, isFinished, IVersionList, NetworkMode, networkModeValues, followLogs, formatDuration, post, request } from './api';
import { button, el, select, statusBadge, when } from './dom';
import { IArgumentsForm, KeyValueRows, ParameterForm } from './arguments';
import { LibraryModel } from './model';
import { LiveOutput } from './output';
import { outputsTable } from './outputs';

/** How each network mode is offered (a Record: a mode the API adds cannot be forgotten here). */
const NETWORK_LABELS: Record<NetworkMode, string> = { none: 'none (no network)', bridge: 'bridge', host: 'host' };

export class RunView extends Widget {
  private readonly version = select([]);
  private args: IArgumentsForm = new KeyValueRows('argument');
  private readonly argsSlot = el('div', { className: 'jp-StellaScript-arguments' }, this.args.node);
  private readonly argsHint = el('div', { className: 'jp-StellaScript-args-hint' });
  private readonly env = new KeyValueRows('variable', true, name => (name.includes('=') ? 'A variable name cannot contain "=".' : ''));
  private readonly network = select(networkModeValues.map(mode => [mode, NETWORK_LABELS[mode]]));
  private readonly timeout = el('input', { className: 'jp-mod-styled jp-StellaScript-timeout', attrs: { type: 'number', min: '1', step: '1' } });
  private readonly timeoutError = el('div', { className: 'jp-StellaScript-field-error', attrs: { role: 'alert' } });
  private readonly runButton = button('Run', () => void this.run(), 'jp-mod-accept jp-StellaScript-start');
  private loading = 0;
  private submitting = false;
  private readonly cancelButton = button('Cancel', () => void this.cancel(), 'jp-mod-warn jp-StellaScript-cancel');
  private readonly summary = el('div', { className: 'jp-StellaScript-summary' });
  private readonly live = new LiveOutput();
  private readonly outputs = el('div', { className: 'jp-StellaScript-outputs-slot' });
  private readonly history = el('tbody');
  private readonly problem = el('div', { className: 'jp-StellaScript-problem', attrs: { role: 'alert' } });
  private current: string | null = null;
  private following: AbortController | null = null;
  private scriptName = '';
  private latestVersion = '';
  // Runs started here, whose end is announced when this view is not visible then.
  private readonly startedHere = new Set<string>();

  constructor(
    private readonly model: LibraryModel,
    private readonly scriptId: string,
    private readonly initialVersion?: string
  ) {
    super();
    this.addClass('jp-StellaScript-runView');
    this.title.label = 'Run';
    this.cancelButton.disabled = true;
    this.version.classList.add('jp-StellaScript-run-version');
    this.version.addEventListener('change', () => void this.versionChanged());
    const form = el(
      'div',
      { className: 'jp-StellaScript-form' },
      el('label', { text: 'Version' }),
      this.version,
      el('label', { text: 'Arguments' }),
      el('div', {}, this.argsSlot, this.argsHint),
      el('label', { text: 'Environment' }),
      this.env.node,
      el('label', { text: 'Network' }),
      this.network,
      el('label', { text: 'Timeout (s)' }),
      el('div', {}, this.timeout, this.timeoutError)
    );
    const table = el(
      'table',
      { className: 'jp-StellaScript-executions' },
      el('thead', {}, el('tr', {}, ...['Started', 'Version', 'Status', 'Exit', 'Duration', 'Arguments'].map(text => el('th', { text })))),
      this.history
    );
    this.node.append(
      el('h2', { className: 'jp-StellaScript-title' }),
      form,
      el('div', { className: 'jp-StellaScript-actions' }, this.runButton, this.cancelButton),
      this.problem,
      this.summary,
      this.live.node,
      this.outputs,
      el('h3', { text: 'Past executions' }),
      table
    );
    void this.load();
  }

  /**
   * The script's versions (again: the view is shown again after a save made
   * a new one), selecting ``version`` if given, else the new latest one when
   * the latest was selected, else what was selected.
   */
  async load(version: string | undefined = this.initialVersion): Promise<void> {
    const wasLatest = !this.version.value || this.version.value === this.latestVersion;
    const selected = this.version.value;
    // Until the versions and the form are read again, Run would start what the form showed before
    // (the version before a save, say): it waits.
    this.loading++;
    this.runButton.disabled = true;
    try {
      const [script, versions] = await Promise.all([
        request<IScript>(`scripts/${this.scriptId}`),
        request<IVersionList>(`scripts/${this.scriptId}/versions`)
      ]);
      this.scriptName = script.name;
      this.title.label = `Run ${script.name}`;
      (this.node.querySelector('.jp-StellaScript-title') as HTMLElement).textContent = `${script.name} (${script.language})`;
      this.version.replaceChildren();
      for (const item of versions.items) {
        const option = el('option', { text: item.version === script.latest_version ? `${item.version} (latest)` : item.version });
        option.value = item.version;
        this.version.append(option);
      }
      this.latestVersion = script.latest_version;
      this.version.value = version ?? (wasLatest ? script.latest_version : selected);
      const shown = this.version.value === script.version ? script : await request<IScript>(`scripts/${this.scriptId}/versions/${this.version.value}`);
      this.showArguments(shown.parameters);
      this.argsHint.replaceChildren(
        'Arguments arrive in /scripts/args.json, a JSON object of strings. ',
        el('code', { text: this.model.readArguments(script.language) ?? '' })
      );
      this.timeout.value ||= String(this.model.defaultTimeout(script.language) ?? 300); // unless prefilled meanwhile
      await this.loadHistory();
    } catch (error) {
      this.problem.textContent = errorText(error);
    } finally {
      this.loading--;
      this.runButton.disabled = this.loading > 0 || this.submitting;
    }
  }

  /** The form for these parameters (free-form rows when there are none), keeping what was typed by name. */
  private showArguments(parameters: IParameter[] | undefined): void {
    const typed = this.args.typed();
    if (parameters?.length) {
      this.args = new ParameterForm(parameters, typed);
    } else {
      const rows = new KeyValueRows('argument');
      rows.set(typed);
      this.args = rows;
    }
    this.argsSlot.replaceChildren(this.args.node);
  }

  private async versionChanged(): Promise<void> {
    try {
      this.showArguments((await request<IScript>(`scripts/${this.scriptId}/versions/${this.version.value}`)).parameters);
    } catch (error) {
      this.problem.textContent = errorText(error);
    }
  }

  private async loadHistory(): Promise<void> {
    const executions = await request<IExecutionList>(`scripts/executions?script_id=${this.scriptId}&limit=50`);
    this.history.replaceChildren();
    for (const execution of executions.items) {
      const row = el(
        'tr',
        { className: 'jp-StellaScript-execution', title: 'Show this execution', attrs: { 'data-execution-id': execution.id } },
        el('td', { text: when(execution.started_at ?? execution.queued_at) }),
        el('td', { text: execution.script_version ?? '' }),
        el('td', {}, statusBadge(execution.status)),
        el('td', { text: execution.exit_code === null ? '—' : String(execution.exit_code) }),
        el('td', { text: formatDuration(execution.duration_ms) }),
        el('td', { text: Object.entries(execution.arguments ?? {}).map(([k, v]) => `${k}=${v}`).join(' ') })
      );
      row.addEventListener('click', () => void this.showExecution(execution.id));
      this.history.append(row);
    }
  }

  private async run(): Promise<void> {
    this.problem.textContent = '';
    this.markStale(false);
    const timeout = Number(this.timeout.value);
    const [args, env] = [this.args.collect(), this.env.collect()];
    this.timeoutError.textContent = this.timeout.value && !(Number.isFinite(timeout) && timeout > 0) ? 'A timeout is a positive number of seconds.' : '';
    const count = args.problems + env.problems + (this.timeoutError.textContent ? 1 : 0);
    if (count) {
      // Nothing is sent: each problem is shown at its field, and every value stays as typed.
      this.refused(`Not run: ${count} problem${count > 1 ? 's are' : ' is'} marked below.`);
      return;
    }
    const body: IExecuteRequest = {
      version: this.version.value || undefined,
      arguments: args.values,
      environment: env.values,
      network_mode: this.network.value as NetworkMode
    };
    if (this.timeout.value && Number.isFinite(timeout)) {
      body.timeout = timeout;
    }
    try {
      this.submitting = true;
      this.runButton.disabled = true;
      const accepted = await post<IExecutionAccepted>(`scripts/${this.scriptId}/execute`, body);
      this.startedHere.add(accepted.execution_id);
      this.model.notifyScriptsChanged(); // the library shows it queued, then running
      await this.showExecution(accepted.execution_id);
    } catch (error) {
      if (error instanceof ApiError && error.errors.length) {
        const rest = this.args.showServerErrors(error.errors).filter(item => item.field !== 'timeout' || !(this.timeoutError.textContent = item.message));
        this.refused(rest.length < error.errors.length
          ? ['Not run: the problems are marked below.', ...rest.map(item => `${item.field}: ${item.message}`)].join('\n')
          : errorText(error));
      } else {
        this.refused(errorText(error));
      }
    } finally {
      this.submitting = false;
      this.runButton.disabled = this.loading > 0;
    }
  }

  /** Nothing ran: say why, and show the result below as the previous run's, not this one's. */
  private refused(text: string): void {
    this.problem.textContent = text;
    this.markStale(true);
  }

  private markStale(stale: boolean): void {
    for (const node of [this.summary, this.live.node]) {
      node.classList.toggle('jp-StellaScript-stale', stale && node.childNodes.length > 0);
      node.title = stale && node.childNodes.length ? 'The previous run: this one was not started' : '';
    }
  }

  /** Show an execution: its stored output, or its live output while it runs. */
  async showExecution(executionId: string): Promise<void> {
    this.following?.abort();
    this.current = executionId;
    this.live.reset();
    let record = await request<IExecution>(`scripts/executions/${executionId}`);
    this.renderSummary(record);
    if (!isFinished(record.status)) {
      this.cancelButton.disabled = false;
      this.live.startClock(record.started_at ?? record.queued_at);
      const following = new AbortController();
      this.following = following;
      try {
        let first = true;
        await followLogs(
          executionId,
          (stream, text) => {
            this.live.append(stream, text);
            if (first && stream !== 'platform') {
              // Output means it runs: show that rather than the Queued it was submitted as.
              first = false;
              void request<IExecution>(`scripts/executions/${executionId}`).then(latest => {
                if (this.current === executionId && !isFinished(latest.status)) {
                  this.renderSummary(latest);
                }
              });
            }
          },
          following.signal
        );
      } catch (error) {
        if (following.signal.aborted) {
          return; // another execution is shown now
        }
        this.problem.textContent = errorText(error);
      }
      this.cancelButton.disabled = true;
      if (this.current !== executionId) {
        return;
      }
      this.live.stopClock();
      this.live.preparingDone();
      record = await request<IExecution>(`scripts/executions/${executionId}`);
      this.renderSummary(record);
      this.model.notifyScriptsChanged();
      this.announce(record);
      await this.loadHistory();
    } else {
      this.live.showRecord(record);
    }
    if (record.error) {
      this.live.append('stderr', `\n${record.error}\n`);
    }
  }

  /** A run started here that ends while this view is hidden (another tab in front): say so. */
  private announce(record: IExecution): void {
    if (!this.startedHere.delete(record.id) || this.isVisible) {
      return;
    }
    const text = `${this.scriptName || 'The script'} finished: ${record.status}${record.exit_code === null ? '' : ` (exit code ${record.exit_code})`}`;
    const kind = record.status === 'Succeeded' ? 'success' : record.status === 'Cancelled' ? 'info' : 'error';
    Notification.emit(text, kind, { autoClose: 10000, actions: [{ label: 'Show', callback: () => this.activated.emit() }] });
  }

  /** Asks whoever holds this view (the script's main-area view) to bring it to the front. */
  readonly activated = new Signal<this, void>(this);

  /** The form with a past execution's values (the execution centre's "Edit and run"); environment values are not stored. */
  prefill(record: IExecution): void {
    this.selectVersion(record.script_version ?? undefined);
    this.args.set(record.arguments ?? {});
    this.network.value = record.network_mode;
    this.timeout.value = String(record.timeout);
  }

  /** Select a version in the form (the script's view was opened again for another one). */
  selectVersion(version: string | undefined): void {
    if (version && Array.from(this.version.options).some(option => option.value === version)) {
      this.version.value = version;
    }
  }

  private renderSummary(record: IExecution): void {
    const published = outputsTable(record.outputs);
    this.outputs.replaceChildren(...(published ? [published] : []));
    this.summary.replaceChildren(
      statusBadge(record.status),
      this.live.clock,
      el('span', { className: 'jp-StellaScript-exit', text: `exit code ${record.exit_code ?? '—'}` }),
      el('span', { className: 'jp-StellaScript-duration', text: formatDuration(record.duration_ms) }),
      el('span', { className: 'jp-StellaScript-execution-meta', text: `v${record.script_version ?? '?'} · network ${record.network_mode} · ${when(record.started_at ?? record.queued_at)}` })
    );
  }

  private async cancel(): Promise<void> {
    if (this.current) {
      try {
        await post(`scripts/executions/${this.current}/cancel`, {});
      } catch (error) {
        this.problem.textContent = errorText(error);
      }
    }
  }

  dispose(): void {
    this.following?.abort();
    super.dispose();
  }
}
