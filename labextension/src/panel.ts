/**
 * The left-sidebar script library: search, filters, one row per script with
 * its language, latest version, visibility and last run status.
 */
import { Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

import { ApiError, IExecution, ILanguage, IScript, request } from './api';
import { button, el, select, statusBadge } from './dom';

export interface ILibraryActions {
  open(script: IScript): void;
  run(script: IScript): void;
  history(script: IScript): void;
  remove(script: IScript): Promise<boolean>;
  create(): void;
  cloneSample(): void;
}

export class LibraryPanel extends Widget {
  readonly changed = new Signal<this, void>(this);
  private readonly search = el('input', { className: 'jp-mod-styled jp-StellaScript-search', attrs: { placeholder: 'Search scripts', type: 'search' } });
  private readonly language = select([['', 'Language']]);
  private readonly tag = el('input', { className: 'jp-mod-styled jp-StellaScript-tag', attrs: { placeholder: 'Tag', type: 'search' } });
  private readonly visibility = select([
    ['', 'Visibility'],
    ['private', 'Private'],
    ['team', 'Team'],
    ['organization', 'Organization'],
    ['public', 'Public']
  ]);
  private readonly list = el('ul', { className: 'jp-StellaScript-list' });
  private readonly message = el('div', { className: 'jp-StellaScript-message' });
  private debounce = 0;
  private generation = 0;

  constructor(private readonly actions: ILibraryActions) {
    super();
    this.id = 'stellascript-library';
    this.addClass('jp-StellaScript-library');
    this.title.caption = 'Stella Script library';
    const toolbar = el(
      'div',
      { className: 'jp-StellaScript-toolbar' },
      el('span', { className: 'jp-StellaScript-heading', text: 'Scripts' }),
      button('New', () => actions.create(), 'jp-StellaScript-new', 'New script from a language template'),
      button('Sample', () => actions.cloneSample(), 'jp-StellaScript-clone', 'Clone one of the sample scripts'),
      button('⟳', () => void this.refresh(), 'jp-StellaScript-refresh', 'Refresh')
    );
    const filters = el('div', { className: 'jp-StellaScript-filters' }, this.search, el('div', { className: 'jp-StellaScript-filter-row' }, this.language, this.visibility, this.tag));
    for (const input of [this.search, this.tag]) {
      input.addEventListener('input', () => {
        window.clearTimeout(this.debounce);
        this.debounce = window.setTimeout(() => void this.refresh(), 250);
      });
    }
    for (const choice of [this.language, this.visibility]) {
      choice.addEventListener('change', () => void this.refresh());
    }
    this.node.append(toolbar, filters, this.message, this.list);
  }

  setLanguages(languages: ILanguage[]): void {
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
    try {
      const [scripts, executions] = await Promise.all([
        request<{ items: IScript[]; total: number }>(`scripts?${query}`),
        request<{ items: IExecution[] }>('scripts/executions?limit=200')
      ]);
      if (generation !== this.generation) {
        return; // a newer search answered first
      }
      const lastRun = new Map<string, IExecution>();
      for (const execution of executions.items) {
        const seen = execution.script_id ? lastRun.get(execution.script_id) : undefined;
        if (execution.script_id && (!seen || (execution.queued_at ?? '') > (seen.queued_at ?? ''))) {
          lastRun.set(execution.script_id, execution);
        }
      }
      this.render(scripts.items, lastRun);
      this.message.textContent = scripts.total > scripts.items.length ? `${scripts.items.length} of ${scripts.total} scripts` : '';
    } catch (error) {
      this.message.textContent = error instanceof ApiError ? `Cannot list scripts: ${error.message}` : String(error);
    }
  }

  private render(scripts: IScript[], lastRun: Map<string, IExecution>): void {
    this.list.replaceChildren();
    if (!scripts.length) {
      this.list.append(el('li', { className: 'jp-StellaScript-empty', text: 'No scripts match.' }));
    }
    for (const script of scripts) {
      const run = lastRun.get(script.id);
      const row = el(
        'li',
        { className: 'jp-StellaScript-row', title: script.description || script.name, attrs: { 'data-script-id': script.id, 'data-script-name': script.name } },
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
            statusBadge(run?.status)
          )
        ),
        el(
          'div',
          { className: 'jp-StellaScript-row-actions' },
          button('Open', () => this.actions.open(script), 'jp-StellaScript-open', 'Open in the editor'),
          button('Run', () => this.actions.run(script), 'jp-StellaScript-run', 'Run with arguments'),
          button('History', () => this.actions.history(script), 'jp-StellaScript-history', 'Versions and diffs'),
          button('Delete', () => void this.actions.remove(script).then(async gone => {
            if (gone) {
              await this.refresh();
            }
          }), 'jp-StellaScript-delete jp-mod-warn', 'Delete')
        )
      );
      row.addEventListener('dblclick', () => this.actions.open(script));
      this.list.append(row);
    }
  }
}
