/**
 * The run view (main area): arguments and environment as a form, network
 * mode and timeout; live output while the script runs; status, exit code and
 * duration; the script's past executions, each of which can be opened.
 */
import { Notification } from '@jupyterlab/apputils';
import { Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

import { errorText, IExecuteRequest, IExecution, IExecutionAccepted, IExecutionList, IScript, isFinished, IVersionList, NetworkMode, networkModeValues, followLogs, formatDuration, post, request } from './api';
import { button, el, select, statusBadge, when } from './dom';
import { LibraryModel } from './model';
import { LiveOutput } from './output';

/** How each network mode is offered (a Record: a mode the API adds cannot be forgotten here). */
const NETWORK_LABELS: Record<NetworkMode, string> = { none: 'none (no network)', bridge: 'bridge', host: 'host' };

class KeyValueRows {
  readonly node = el('div', { className: 'jp-StellaScript-kv' });
  private readonly rows = el('div', { className: 'jp-StellaScript-kv-rows' });

  constructor(private readonly kind: string, private readonly secret = false) {
    this.node.append(this.rows, button(`Add ${kind}`, () => this.add(), `jp-StellaScript-add-${kind}`));
  }

  add(key = '', value = ''): void {
    const name = el('input', { className: 'jp-mod-styled jp-StellaScript-key', attrs: { placeholder: 'name', 'aria-label': `${this.kind} name` } });
    const content = el('input', {
      className: 'jp-mod-styled jp-StellaScript-value',
      attrs: { placeholder: 'value', type: this.secret ? 'password' : 'text', 'aria-label': `${this.kind} value` }
    });
    name.value = key;
    content.value = value;
    const row = el('div', { className: 'jp-StellaScript-kv-row' }, name, content);
    row.append(button('✕', () => row.remove(), 'jp-StellaScript-remove', `Remove this ${this.kind}`));
    this.rows.append(row);
  }

  values(): Record<string, string> {
    const result: Record<string, string> = {};
    for (const row of Array.from(this.rows.children)) {
      const [name, value] = Array.from(row.querySelectorAll('input')) as HTMLInputElement[];
      if (name.value.trim()) {
        result[name.value.trim()] = value.value;
      }
    }
    return result;
  }

  set(values: Record<string, string>): void {
    this.rows.replaceChildren();
    for (const [key, value] of Object.entries(values)) {
      this.add(key, value);
    }
  }
}

export class RunView extends Widget {
  private readonly version = select([]);
  private readonly args = new KeyValueRows('argument');
  private readonly env = new KeyValueRows('variable', true);
  private readonly network = select(networkModeValues.map(mode => [mode, NETWORK_LABELS[mode]]));
  private readonly timeout = el('input', { className: 'jp-mod-styled jp-StellaScript-timeout', attrs: { type: 'number', min: '1', step: '1' } });
  private readonly runButton = button('Run', () => void this.run(), 'jp-mod-accept jp-StellaScript-start');
  private readonly cancelButton = button('Cancel', () => void this.cancel(), 'jp-mod-warn jp-StellaScript-cancel');
  private readonly summary = el('div', { className: 'jp-StellaScript-summary' });
  private readonly live = new LiveOutput();
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
    const form = el(
      'div',
      { className: 'jp-StellaScript-form' },
      el('label', { text: 'Version' }),
      this.version,
      el('label', { text: 'Arguments' }),
      this.args.node,
      el('label', { text: 'Environment' }),
      this.env.node,
      el('label', { text: 'Network' }),
      this.network,
      el('label', { text: 'Timeout (s)' }),
      this.timeout
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
      this.timeout.value ||= String(this.model.defaultTimeout(script.language) ?? 300); // unless prefilled meanwhile
      await this.loadHistory();
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
    const timeout = Number(this.timeout.value);
    const body: IExecuteRequest = {
      version: this.version.value || undefined,
      arguments: this.args.values(),
      environment: this.env.values(),
      network_mode: this.network.value as NetworkMode
    };
    if (this.timeout.value && Number.isFinite(timeout)) {
      body.timeout = timeout;
    }
    try {
      this.runButton.disabled = true;
      const accepted = await post<IExecutionAccepted>(`scripts/${this.scriptId}/execute`, body);
      this.startedHere.add(accepted.execution_id);
      this.model.notifyScriptsChanged(); // the library shows it queued, then running
      await this.showExecution(accepted.execution_id);
    } catch (error) {
      this.problem.textContent = errorText(error);
    } finally {
      this.runButton.disabled = false;
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
