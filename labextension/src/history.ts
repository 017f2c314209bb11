/**
 * Version history of a script, and a side-by-side line diff between any two
 * of its versions; each version can be opened (read only) or run.
 */
import { Widget } from '@lumino/widgets';

import { errorText, IScript, IVersionList, request } from './api';
import { fillDiffTable } from './diff';
import { button, el, select, when } from './dom';

export class HistoryView extends Widget {
  private readonly left = select([]);
  private readonly right = select([]);
  private readonly versions = el('tbody');
  private readonly diff = el('table', { className: 'jp-StellaScript-diff' });
  private readonly problem = el('div', { className: 'jp-StellaScript-problem', attrs: { role: 'alert' } });

  constructor(
    private readonly scriptId: string,
    private readonly actions: { open(scriptId: string, version: string): void; run(scriptId: string, version: string): void }
  ) {
    super();
    this.addClass('jp-StellaScript-historyView');
    this.title.label = 'History';
    for (const choice of [this.left, this.right]) {
      choice.addEventListener('change', () => void this.showDiff());
    }
    this.left.classList.add('jp-StellaScript-diff-left');
    this.right.classList.add('jp-StellaScript-diff-right');
    this.node.append(
      el('h2', { className: 'jp-StellaScript-title' }),
      this.problem,
      el(
        'table',
        { className: 'jp-StellaScript-versions' },
        el('thead', {}, el('tr', {}, ...['Version', 'Created', 'By', ''].map(text => el('th', { text })))),
        this.versions
      ),
      el('div', { className: 'jp-StellaScript-diff-choice' }, el('span', { text: 'Compare' }), this.left, el('span', { text: 'with' }), this.right),
      this.diff
    );
    void this.refresh();
  }

  async refresh(): Promise<void> {
    try {
      const [script, versions] = await Promise.all([
        request<IScript>(`scripts/${this.scriptId}`),
        request<IVersionList>(`scripts/${this.scriptId}/versions`)
      ]);
      this.title.label = `History: ${script.name}`;
      (this.node.querySelector('.jp-StellaScript-title') as HTMLElement).textContent = `${script.name}: ${versions.items.length} version${versions.items.length > 1 ? 's' : ''}`;
      this.versions.replaceChildren();
      const keepLeft = this.left.value;
      const keepRight = this.right.value;
      this.left.replaceChildren();
      this.right.replaceChildren();
      for (const item of versions.items) {
        this.versions.append(
          el(
            'tr',
            { attrs: { 'data-version': item.version } },
            el('td', { text: item.version }),
            el('td', { text: when(item.created_at) }),
            el('td', { text: item.created_by }),
            el(
              'td',
              {},
              button('Open', () => this.actions.open(this.scriptId, item.version), 'jp-StellaScript-open-version'),
              button('Run', () => this.actions.run(this.scriptId, item.version), 'jp-StellaScript-run-version')
            )
          )
        );
        for (const choice of [this.left, this.right]) {
          const option = el('option', { text: item.version });
          option.value = item.version;
          choice.append(option);
        }
      }
      const names = versions.items.map(item => item.version);
      this.right.value = names.includes(keepRight) ? keepRight : names[0];
      this.left.value = names.includes(keepLeft) ? keepLeft : names[Math.min(1, names.length - 1)];
      await this.showDiff();
    } catch (error) {
      this.problem.textContent = errorText(error);
    }
  }

  private async showDiff(): Promise<void> {
    const [before, after] = await Promise.all(
      [this.left.value, this.right.value].map(version => request<IScript>(`scripts/${this.scriptId}/versions/${version}`))
    );
    fillDiffTable(this.diff, before.content ?? '', after.content ?? '', `v${before.version}`, `v${after.version}`);
  }
}
