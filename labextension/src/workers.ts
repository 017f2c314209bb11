/**
 * The library panel's Workers section: the executors alive (the servers'
 * embedded ones and `stellascript worker` processes), with their host, tags,
 * engine, how many runs they have of how many, and their last heartbeat.
 * Read-only; refreshed every 10 s while the panel is shown.
 */
import { Widget } from '@lumino/widgets';

import { errorText, request } from './api';
import { button, el } from './dom';
import { type components } from './generated/openapi';

export type IWorker = components['schemas']['Worker'];

const REFRESH_MS = 10_000;

/** key=value, comma-separated; "no tags" for a worker without any (it takes untagged runs only). */
export function tagsText(tags: Record<string, string>): string {
  const pairs = Object.entries(tags).sort(([a], [b]) => a.localeCompare(b));
  return pairs.length ? pairs.map(([key, value]) => `${key}=${value}`).join(', ') : 'no tags';
}

export class WorkersSection extends Widget {
  private readonly list = el('ul', { className: 'jp-StellaScript-worker-list' });
  private readonly message = el('div', { className: 'jp-StellaScript-workers-message' });
  private timer = 0;

  constructor() {
    super({ node: el('section', { className: 'jp-StellaScript-workers' }) });
    const header = el(
      'div',
      { className: 'jp-StellaScript-workers-header' },
      el('span', { className: 'jp-StellaScript-heading', text: 'Workers' }),
      button('Refresh', () => void this.refresh(), 'jp-StellaScript-workers-refresh', 'List the executors alive now')
    );
    this.node.append(header, this.message, this.list);
    void this.refresh();
    this.timer = window.setInterval(() => void this.refresh(), REFRESH_MS);
  }

  dispose(): void {
    window.clearInterval(this.timer);
    super.dispose();
  }

  async refresh(): Promise<void> {
    try {
      const { items } = await request<{ items: IWorker[] }>('workers');
      this.render(items);
      this.message.textContent = '';
    } catch (error) {
      this.list.replaceChildren();
      this.message.textContent = `Cannot list workers: ${errorText(error)}`;
    }
  }

  private render(workers: IWorker[]): void {
    this.list.replaceChildren();
    if (!workers.length) {
      this.list.append(el('li', { className: 'jp-StellaScript-workers-empty', text: 'No executor is alive: queued runs wait.' }));
    }
    for (const worker of workers) {
      const state = worker.claiming ? `${worker.running}/${worker.concurrency} running` : 'claims nothing (unknown schema)';
      this.list.append(
        el(
          'li',
          {
            className: 'jp-StellaScript-worker-row',
            title: `${worker.kind} ${worker.id}, version ${worker.version}, schema ${worker.schema_version}, engine ${worker.engine}, last heartbeat ${worker.last_heartbeat}`,
            attrs: { 'data-worker': worker.id }
          },
          el(
            'div',
            { className: 'jp-StellaScript-row-main' },
            el('span', { className: 'jp-StellaScript-worker-title', text: worker.kind === 'embedded' ? `${worker.host} (server)` : worker.id }),
            el(
              'span',
              { className: 'jp-StellaScript-meta' },
              el('span', { className: 'jp-StellaScript-worker-tags', text: tagsText(worker.tags) }),
              el('span', { className: 'jp-StellaScript-worker-running', text: state }),
              el('span', { className: 'jp-StellaScript-worker-heartbeat', text: new Date(worker.last_heartbeat).toLocaleTimeString() })
            )
          )
        )
      );
    }
  }
}
