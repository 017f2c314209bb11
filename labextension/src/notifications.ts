/**
 * Notification settings of a script or a workflow (PUT {scripts|workflows}/{id}/notifications):
 * rules of the events (failure, recovery, success, start) and where they go, a webhook URL in
 * JSON or Slack's format, or a handler script. A URL may hold `${{ secrets.NAME }}`; the
 * delivery log masks it. Only the creator (or an admin) may set them: others see why not.
 */
import { Widget } from '@lumino/widgets';

import { errorText, request } from './api';
import { button, el, select } from './dom';
import type { components } from './generated/openapi';

type Schemas = components['schemas'];
export type INotificationRule = Schemas['NotificationRule'];
type NotificationEvent = Schemas['NotificationEvent'];

const EVENTS: NotificationEvent[] = ['failure', 'recovery', 'success', 'start'];

/** One rule as its inputs; `read()` is the rule as the API takes it. */
class RuleRow {
  readonly node = el('li', { className: 'jp-StellaScript-notification-rule' });
  private readonly events = new Map<NotificationEvent, HTMLInputElement>();
  private readonly channel = select([['webhook', 'Webhook'], ['run', 'Handler script']]);
  private readonly target = el('input', { className: 'jp-mod-styled jp-StellaScript-notification-target' });
  private readonly format = select([['json', 'JSON'], ['slack', 'Slack']]);

  constructor(rule: Partial<INotificationRule>, onRemove: (row: RuleRow) => void) {
    const boxes = EVENTS.map(event => {
      const box = el('input', { attrs: { type: 'checkbox', 'data-event': event } });
      box.checked = (rule.on ?? ['failure']).includes(event);
      this.events.set(event, box);
      return el('label', { className: 'jp-StellaScript-notification-event' }, box, event);
    });
    this.channel.classList.add('jp-StellaScript-notification-channel');
    this.format.classList.add('jp-StellaScript-notification-format');
    this.channel.value = rule.run ? 'run' : 'webhook';
    this.target.value = rule.run ?? rule.webhook ?? '';
    this.format.value = rule.format ?? 'json';
    const placeholder = () => {
      const webhook = this.channel.value === 'webhook';
      this.target.placeholder = webhook ? 'https://hooks.example/... (${{ secrets.NAME }} allowed)' : 'a script: name or owner/name';
      this.format.hidden = !webhook;
    };
    this.channel.addEventListener('change', placeholder);
    placeholder();
    this.node.append(
      el('span', { className: 'jp-StellaScript-notification-events' }, ...boxes),
      this.channel,
      this.target,
      this.format,
      button('Remove', () => onRemove(this), 'jp-StellaScript-notification-remove')
    );
  }

  read(): INotificationRule {
    const on = EVENTS.filter(event => this.events.get(event)!.checked);
    const target = this.target.value.trim();
    return this.channel.value === 'run'
      ? ({ on, run: target, run_kind: 'script' } as INotificationRule)
      : ({ on, webhook: target, format: this.format.value } as INotificationRule);
  }
}

export class NotificationsEditor extends Widget {
  private readonly rows: RuleRow[] = [];
  private readonly list = el('ul', { className: 'jp-StellaScript-notification-rules' });
  private readonly message = el('div', { className: 'jp-StellaScript-notifications-message', attrs: { role: 'status' } });
  // Rules added while the saved ones load come after them, not before (load replaces the list).
  private loaded: Promise<void> = Promise.resolve();

  /** ``kind``: "scripts" or "workflows". */
  constructor(
    private readonly kind: 'scripts' | 'workflows',
    private readonly sourceId: string
  ) {
    super({ node: el('section', { className: 'jp-StellaScript-notifications' }) });
    this.node.append(
      el('h3', { text: 'Notifications' }),
      el('p', { className: 'jp-StellaScript-hint', text: 'Tell someone when a run fails, recovers, succeeds or starts.' }),
      this.list,
      el(
        'div',
        { className: 'jp-StellaScript-actions' },
        button('Add rule', () => void this.loaded.then(() => this.add({ on: ['failure'] })), 'jp-StellaScript-notification-add'),
        button('Save notifications', () => void this.save(), 'jp-mod-accept jp-StellaScript-notification-save')
      ),
      this.message
    );
    void this.load();
  }

  private add(rule: Partial<INotificationRule>): void {
    const row = new RuleRow(rule, removed => {
      this.rows.splice(this.rows.indexOf(removed), 1);
      removed.node.remove();
    });
    this.rows.push(row);
    this.list.append(row.node);
  }

  load(): Promise<void> {
    this.loaded = this.fetch();
    return this.loaded;
  }

  private async fetch(): Promise<void> {
    try {
      const settings = await request<{ notifications: INotificationRule[] }>(`${this.kind}/${this.sourceId}/notifications`);
      this.rows.splice(0);
      this.list.replaceChildren();
      settings.notifications.forEach(rule => this.add(rule));
      this.message.textContent = '';
    } catch (error) {
      this.message.textContent = errorText(error);
    }
  }

  private async save(): Promise<void> {
    try {
      await request(`${this.kind}/${this.sourceId}/notifications`, {
        method: 'PUT',
        body: JSON.stringify({ notifications: this.rows.map(row => row.read()) })
      });
      this.message.textContent = 'Saved';
    } catch (error) {
      this.message.textContent = errorText(error);
    }
  }
}
