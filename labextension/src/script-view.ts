/**
 * One main-area view per script, titled by the script's name (`name@version`
 * when it was opened for an old version): its Run section (form, live
 * output, past executions) and its History section (versions, diffs), with
 * Edit opening the script in the editor. Opening the script's Run or History
 * again shows this view, never another tab.
 */
import { Panel, StackedPanel, Widget } from '@lumino/widgets';

import { errorText, IExecution, IScript, request } from './api';
import { button, el } from './dom';
import { HistoryView } from './history';
import { LibraryModel } from './model';
import { NotificationsEditor } from './notifications';
import { RunView } from './run';

export type ScriptSection = 'run' | 'history' | 'notifications';

export interface IScriptViewActions {
  edit(scriptId: string, version?: string): void;
  /** Open a version's section (History's Open and Run buttons). */
  open(scriptId: string, version: string): void;
  run(scriptId: string, version: string): void;
}

export class ScriptView extends Panel {
  private readonly sections = new StackedPanel();
  private readonly tabs: Record<ScriptSection, HTMLButtonElement>;
  private readonly views: Partial<{ run: RunView; history: HistoryView; notifications: NotificationsEditor }> = {};
  private section: ScriptSection = 'run';
  private version: string | undefined;
  private script: IScript | null = null;

  constructor(
    private readonly model: LibraryModel,
    readonly scriptId: string,
    private readonly actions: IScriptViewActions
  ) {
    super();
    this.addClass('jp-StellaScript-scriptView');
    this.title.label = 'Script';
    this.tabs = {
      run: button('Run', () => this.showSection('run'), 'jp-StellaScript-section jp-StellaScript-section-run', 'Run it and see its executions'),
      history: button('History', () => this.showSection('history'), 'jp-StellaScript-section jp-StellaScript-section-history', 'Versions and diffs'),
      notifications: button('Notifications', () => this.showSection('notifications'), 'jp-StellaScript-section jp-StellaScript-section-notifications', 'Who is told when its runs fail, recover, succeed or start')
    };
    const edit = button('Edit', () => this.actions.edit(this.scriptId, this.pinnedVersion()), 'jp-StellaScript-section jp-StellaScript-section-edit', 'Open in the editor');
    const bar = new Widget({ node: el('div', { className: 'jp-StellaScript-sections', attrs: { role: 'tablist' } }, edit, this.tabs.run, this.tabs.history, this.tabs.notifications) });
    this.sections.addClass('jp-StellaScript-section-body');
    this.addWidget(bar);
    this.addWidget(this.sections);
    void this.loadTitle();
  }

  /** Show a section (made on first use), for a version when one is given. */
  showSection(section: ScriptSection, version?: string): void {
    this.section = section;
    if (version !== undefined) {
      this.version = version;
      this.updateTitle();
    }
    const existed = Boolean(this.views[section]);
    const view = section === 'run' ? this.runView() : section === 'history' ? this.historyView() : this.notificationsView();
    if (section === 'notifications' && existed) {
      void (view as NotificationsEditor).load();
    } else if (section === 'run' && existed) {
      void (view as RunView).load(version); // a save may have made a new version meanwhile
    } else if (section === 'history' && existed) {
      void (view as HistoryView).refresh();
    }
    for (const widget of Array.from(this.sections.widgets)) {
      widget.setHidden(widget !== view);
    }
    for (const [name, tab] of Object.entries(this.tabs)) {
      tab.classList.toggle('jp-mod-current', name === section);
      tab.setAttribute('aria-selected', String(name === section));
    }
  }

  /** The Run section, its form holding a past execution's values. */
  runWith(record: IExecution): void {
    this.showSection('run', record.script_version ?? undefined);
    this.runView().prefill(record);
  }

  get currentSection(): ScriptSection {
    return this.section;
  }

  private runView(): RunView {
    if (!this.views.run) {
      this.views.run = new RunView(this.model, this.scriptId, this.version);
      this.views.run.activated.connect(() => this.activated());
      this.sections.addWidget(this.views.run);
    }
    return this.views.run;
  }

  private historyView(): HistoryView {
    if (!this.views.history) {
      this.views.history = new HistoryView(this.scriptId, { open: this.actions.open, run: this.actions.run });
      this.sections.addWidget(this.views.history);
    }
    return this.views.history;
  }

  private notificationsView(): NotificationsEditor {
    if (!this.views.notifications) {
      this.views.notifications = new NotificationsEditor('scripts', this.scriptId);
      this.sections.addWidget(this.views.notifications);
    }
    return this.views.notifications;
  }

  /** Set by whoever shows this view: bring it to the front (a finished run's notification asks). */
  activated: () => void = () => undefined;

  private pinnedVersion(): string | undefined {
    return this.version && this.script && this.version !== this.script.latest_version ? this.version : undefined;
  }

  private async loadTitle(): Promise<void> {
    try {
      this.script = await request<IScript>(`scripts/${this.scriptId}`);
      this.updateTitle();
    } catch (error) {
      this.title.label = `Script (${errorText(error)})`;
    }
  }

  private updateTitle(): void {
    if (!this.script) {
      return;
    }
    const pinned = this.pinnedVersion();
    this.title.label = pinned ? `${this.script.name}@${pinned}` : this.script.name;
    this.title.caption = `${this.script.name} (${this.script.language}), by ${this.script.created_by}${pinned ? `: version ${pinned}` : ''}`;
  }
}
