/**
 * The left-sidebar script library: search (name, description, tags; name
 * matches first), filters, one row per script with its description, tags,
 * author, language, latest version, visibility and last run (status, how long
 * ago). Rows of scripts that are running refresh until the run ends. An empty
 * library says how to start. Workflows are listed too (the kind filter picks
 * scripts, workflows or both), each with Open (its definition in the editor)
 * and Run.
 */
import { addIcon, historyIcon, listIcon, refreshIcon, searchIcon, Toolbar, ToolbarButton } from '@jupyterlab/ui-components';
import { Panel, Widget } from '@lumino/widgets';

import { errorText, ILanguage, IScript, IScriptList, isFinished, request } from './api';
import type { components } from './generated/openapi';
import { describeParameters } from './arguments';
import { visibilityOptions } from './dialogs';
import { ago, button, el, select, statusBadge } from './dom';
import { LibraryModel } from './model';
import { SecretsSection } from './secrets';
import { WorkersSection } from './workers';

type IWorkflow = components['schemas']['Workflow'];
type IWorkflowList = components['schemas']['WorkflowList'];

/** What the panel's buttons do (commands.ts has them as commands). */
export interface ILibraryActions {
  open(script: IScript): void;
  run(script: IScript): void;
  history(script: IScript): void;
  remove(script: IScript): void;
  create(): void;
  cloneSample(): void;
  executions(): void;
  schedules(): void;
  openWorkflow(workflow: IWorkflow): void;
  runWorkflow(workflow: IWorkflow): void;
}

export class LibraryPanel extends Panel {
  private readonly search = el('input', { className: 'jp-mod-styled jp-StellaScript-search', attrs: { placeholder: 'Search scripts', type: 'search' } });
  private readonly kind = select([['', 'Scripts and workflows'], ['scripts', 'Scripts'], ['workflows', 'Workflows']]);
  private readonly language = select([['', 'Language']]);
  private readonly tag = el('input', { className: 'jp-mod-styled jp-StellaScript-tag', attrs: { placeholder: 'Tag', type: 'search' } });
  private readonly visibility = select([['', 'Visibility'], ...visibilityOptions()]);
  private readonly list = el('ul', { className: 'jp-StellaScript-list' });
  private readonly message = el('div', { className: 'jp-StellaScript-message' });
  private readonly body = new Widget({ node: el('div', { className: 'jp-StellaScript-library-body' }) });
  private debounce = 0;
  private generation = 0;
  // While a listed script runs, the list refreshes to show its status live.
  private polling = 0;

  constructor(
    model: LibraryModel,
    private readonly actions: ILibraryActions
  ) {
    super();
    this.id = 'stellascript-library';
    this.addClass('jp-StellaScript-library');
    this.title.caption = 'Stella Script library';
    model.languagesChanged.connect((_, languages) => this.setLanguages(languages));
    model.scriptsChanged.connect(() => void this.refresh());
    const toolbar = new Toolbar();
    toolbar.addClass('jp-StellaScript-toolbar');
    toolbar.addItem('heading', new Widget({ node: el('span', { className: 'jp-StellaScript-heading', text: 'Scripts' }) }));
    toolbar.addItem('new', new ToolbarButton({ icon: addIcon, label: 'New', className: 'jp-StellaScript-new', tooltip: 'New script from a language template', onClick: () => actions.create() }));
    toolbar.addItem('sample', new ToolbarButton({ label: 'Sample', className: 'jp-StellaScript-clone', tooltip: 'Clone one of the sample scripts', onClick: () => actions.cloneSample() }));
    toolbar.addItem('executions', new ToolbarButton({ icon: listIcon, className: 'jp-StellaScript-open-executions', tooltip: 'Execution centre: every run you may see', onClick: () => actions.executions() }));
    toolbar.addItem('schedules', new ToolbarButton({ icon: historyIcon, className: 'jp-StellaScript-open-schedules', tooltip: 'Schedules and webhook triggers', onClick: () => actions.schedules() }));
    toolbar.addItem('refresh', new ToolbarButton({ icon: refreshIcon, className: 'jp-StellaScript-refresh', tooltip: 'Refresh', onClick: () => void this.refresh() }));
    // JupyterLab's search-field look (as in its file browser filter), on the plain input the panel queries with.
    const searchField = el('div', { className: 'jp-InputGroup jp-StellaScript-search-field' }, this.search, el('span', { className: 'jp-InputGroupAction' }, searchIcon.element()));
    const filters = el('div', { className: 'jp-StellaScript-filters' }, searchField, el('div', { className: 'jp-StellaScript-filter-row' }, this.language, this.visibility, this.kind, this.tag));
    for (const input of [this.search, this.tag]) {
      input.addEventListener('input', () => {
        window.clearTimeout(this.debounce);
        this.debounce = window.setTimeout(() => void this.refresh(), 250);
      });
    }
    this.kind.classList.add('jp-StellaScript-filter-kind');
    this.kind.title = 'Scripts, workflows or both';
    for (const choice of [this.kind, this.language, this.visibility]) {
      choice.addEventListener('change', () => void this.refresh());
    }
    this.body.node.append(filters, this.message, this.list);
    this.addWidget(toolbar);
    this.addWidget(this.body);
    this.addWidget(new SecretsSection());
    this.addWidget(new WorkersSection());
  }

  /** A problem to show in place of the list (the server extension is missing, say). */
  showProblem(text: string): void {
    this.body.node.append(el('div', { className: 'jp-StellaScript-problem', text }));
  }

  private setLanguages(languages: readonly ILanguage[]): void {
    for (const language of languages) {
      const option = el('option', { text: language.display_name });
      option.value = language.name;
      this.language.append(option);
    }
  }

  async refresh(): Promise<void> {
    const generation = ++this.generation;
    const query = new URLSearchParams({ limit: '200' });
    if (this.search.value.trim()) {
      query.set('q', this.search.value.trim());
    }
    if (this.language.value) {
      query.set('language', this.language.value);
    }
    if (this.visibility.value) {
      query.set('visibility', this.visibility.value);
    }
    if (this.tag.value.trim()) {
      query.set('tag', this.tag.value.trim());
    }
    // Workflows have no language: a language filter is for scripts only.
    const withScripts = this.kind.value !== 'workflows';
    const withWorkflows = this.kind.value !== 'scripts' && !query.has('language');
    const none = { items: [], total: 0 };
    try {
      const [scripts, workflows] = await Promise.all([
        withScripts ? request<IScriptList>(`scripts?${query}`) : Promise.resolve(none as IScriptList),
        withWorkflows ? request<IWorkflowList>(`workflows?${query}`) : Promise.resolve(none as IWorkflowList)
      ]);
      if (generation !== this.generation) {
        return; // a newer search answered first
      }
      this.render(scripts.items, workflows.items, query.has('q') || query.has('language') || query.has('visibility') || query.has('tag') || Boolean(this.kind.value));
      this.message.textContent = [
        scripts.total > scripts.items.length ? `${scripts.items.length} of ${scripts.total} scripts` : '',
        workflows.total > workflows.items.length ? `${workflows.items.length} of ${workflows.total} workflows` : ''
      ].filter(Boolean).join(', ');
      window.clearTimeout(this.polling);
      if (scripts.items.some(script => script.last_run && !isFinished(script.last_run.status))) {
        this.polling = window.setTimeout(() => void this.refresh(), 2000);
      }
    } catch (error) {
      this.message.textContent = `Cannot list scripts: ${errorText(error)}`;
    }
  }

  dispose(): void {
    window.clearTimeout(this.polling);
    super.dispose();
  }

  private render(scripts: IScript[], workflows: IWorkflow[], filtered: boolean): void {
    this.list.replaceChildren();
    if (!scripts.length && !workflows.length && filtered) {
      this.list.append(el('li', { className: 'jp-StellaScript-empty', text: this.kind.value === 'workflows' ? 'No workflows match.' : 'No scripts match.' }));
    } else if (!scripts.length && !workflows.length) {
      this.list.append(
        el(
          'li',
          { className: 'jp-StellaScript-empty jp-StellaScript-empty-library' },
          el('p', { text: 'No scripts yet. Start from a language template, or clone a sample to see what a script can do.' }),
          el(
            'div',
            { className: 'jp-StellaScript-empty-actions' },
            button('New script', () => this.actions.create(), 'jp-mod-accept jp-StellaScript-empty-new'),
            button('Clone a sample', () => this.actions.cloneSample(), 'jp-StellaScript-empty-sample')
          )
        )
      );
    }
    for (const script of scripts) {
      const run = script.last_run;
      const details = el('div', { className: 'jp-StellaScript-row-details' });
      if (script.description) {
        details.append(el('span', { className: 'jp-StellaScript-description', text: script.description, title: script.description }));
      }
      const tags = el('span', { className: 'jp-StellaScript-tags' }, ...script.tags.map(tag => el('span', { className: 'jp-StellaScript-tag-chip', text: tag })));
      const row = el(
        'li',
        { className: 'jp-StellaScript-row', title: [script.description || script.name, describeParameters(script.parameters)].filter(Boolean).join('\n\n'), attrs: { 'data-script-id': script.id, 'data-script-name': script.name } },
        el(
          'div',
          { className: 'jp-StellaScript-row-main' },
          el('span', { className: 'jp-StellaScript-name', text: script.name }),
          el(
            'span',
            { className: 'jp-StellaScript-meta' },
            el('span', { className: 'jp-StellaScript-language', text: script.language }),
            el('span', { className: 'jp-StellaScript-version', text: `v${script.latest_version}` }),
            el('span', { className: 'jp-StellaScript-visibility', text: script.visibility }),
            statusBadge(run?.status),
            el('span', {
              className: 'jp-StellaScript-last-run',
              text: run ? ago(run.completed_at ?? run.queued_at) : '',
              title: run ? `last run ${new Date(run.completed_at ?? run.queued_at).toLocaleString()} by ${run.requested_by}` : ''
            })
          )
        ),
        details,
        el('div', { className: 'jp-StellaScript-row-byline' }, el('span', { className: 'jp-StellaScript-author', text: `by ${script.created_by}` }), tags),
        el(
          'div',
          { className: 'jp-StellaScript-row-actions' },
          button('Open', () => this.actions.open(script), 'jp-StellaScript-open', 'Open in the editor'),
          button('Run', () => this.actions.run(script), 'jp-StellaScript-run', 'Run with arguments'),
          button('History', () => this.actions.history(script), 'jp-StellaScript-history', 'Versions and diffs'),
          button('Delete', () => this.actions.remove(script), 'jp-StellaScript-delete jp-mod-warn', 'Delete')
        )
      );
      row.addEventListener('dblclick', () => this.actions.open(script));
      this.list.append(row);
    }
    for (const workflow of workflows) {
      this.list.append(this.workflowRow(workflow));
    }
  }

  private workflowRow(workflow: IWorkflow): HTMLLIElement {
    const steps = Object.keys(workflow.pins);
    const row = el(
      'li',
      { className: 'jp-StellaScript-workflow-row', title: workflow.description || workflow.name, attrs: { 'data-workflow-id': workflow.id, 'data-workflow-name': workflow.name } },
      el(
        'div',
        { className: 'jp-StellaScript-row-main' },
        el('span', { className: 'jp-StellaScript-name', text: workflow.name }),
        el(
          'span',
          { className: 'jp-StellaScript-meta' },
          el('span', { className: 'jp-StellaScript-language jp-StellaScript-kind-workflow', text: 'workflow' }),
          el('span', { className: 'jp-StellaScript-version', text: `v${workflow.latest_version}` }),
          el('span', { className: 'jp-StellaScript-visibility', text: workflow.visibility })
        )
      ),
      el('div', { className: 'jp-StellaScript-row-details' }, el('span', { className: 'jp-StellaScript-description', text: workflow.description || `${steps.length} steps: ${steps.join(', ')}` })),
      el(
        'div',
        { className: 'jp-StellaScript-row-byline' },
        el('span', { className: 'jp-StellaScript-author', text: `by ${workflow.created_by}` }),
        el('span', { className: 'jp-StellaScript-tags' }, ...workflow.tags.map(tag => el('span', { className: 'jp-StellaScript-tag-chip', text: tag })))
      ),
      el(
        'div',
        { className: 'jp-StellaScript-row-actions' },
        button('Open', () => this.actions.openWorkflow(workflow), 'jp-StellaScript-open-workflow', 'Open the definition in the editor'),
        button('Run', () => this.actions.runWorkflow(workflow), 'jp-StellaScript-run-workflow', 'Run it and watch its steps')
      )
    );
    row.addEventListener('dblclick', () => this.actions.openWorkflow(workflow));
    return row;
  }
}
