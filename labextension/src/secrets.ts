/**
 * The library panel's Secrets section: the secrets you may use, with their
 * owner, visibility and version; create one, replace a value (a new
 * version), delete one. Values are write-only: typed into password inputs,
 * sent once, never shown (the API never answers with one).
 */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';

import { errorText, request } from './api';
import { FormBody } from './dialogs';
import { button, el, select } from './dom';
import { secretVisibilityValues, type components } from './generated/openapi';

type Schemas = components['schemas'];
export type ISecret = Schemas['SecretMetadata'];
type SecretVisibility = Schemas['SecretVisibility'];

const VISIBILITY_LABELS: Record<SecretVisibility, string> = {
  private: 'Private (you)',
  team: 'Team',
  organization: 'Organization'
};

/** What the form asks for; `value` is sent once and forgotten. */
interface ISecretForm {
  name: string;
  value: string;
  visibility: SecretVisibility;
  team: string;
  description: string;
}

/** Ask for a new secret, or (with `existing`) a new value for one; null when cancelled. */
async function askSecret(existing?: ISecret): Promise<ISecretForm | null> {
  const name = el('input', { className: 'jp-mod-styled jp-StellaScript-secret-name', attrs: { placeholder: 'e.g. prod-db' } });
  const value = el('input', {
    className: 'jp-mod-styled jp-StellaScript-secret-value',
    attrs: { type: 'password', autocomplete: 'new-password', placeholder: existing ? 'the new value' : 'the value' }
  });
  const visibility = select(secretVisibilityValues.map(item => [item, VISIBILITY_LABELS[item]] as [string, string]), existing?.visibility ?? 'private');
  visibility.classList.add('jp-StellaScript-secret-visibility');
  const team = el('input', { className: 'jp-mod-styled jp-StellaScript-secret-team', attrs: { placeholder: 'for Team: one of your teams' } });
  const description = el('input', { className: 'jp-mod-styled jp-StellaScript-secret-description', attrs: { placeholder: 'what it is for' } });
  team.value = existing?.team ?? '';
  description.value = existing?.description ?? '';
  const fields: [string, HTMLElement][] = existing ? [] : [['Name', name]];
  fields.push(['Value', value], ['Visibility', visibility], ['Team', team], ['Description', description]);
  const result = await showDialog({
    title: existing ? `New value for ${existing.reference}` : 'New secret',
    body: new FormBody(fields),
    focusNodeSelector: 'input',
    buttons: [Dialog.cancelButton(), Dialog.okButton({ label: existing ? 'Replace' : 'Create' })]
  });
  const form = {
    name: existing?.name ?? name.value.trim(),
    value: value.value,
    visibility: visibility.value as SecretVisibility,
    team: team.value.trim(),
    description: description.value
  };
  value.value = ''; // nothing keeps it once sent
  return result.button.accept ? form : null;
}

function body(form: ISecretForm, existing?: ISecret): Record<string, unknown> {
  const fields: Record<string, unknown> = { value: form.value, visibility: form.visibility, description: form.description };
  if (!existing) {
    fields.name = form.name;
  }
  if (form.visibility === 'team' && form.team) {
    fields.team = form.team;
  }
  return fields;
}

/** A secret's path segment: owner/name, the slash encoded. */
const segment = (secret: ISecret) => encodeURIComponent(secret.reference);

export class SecretsSection extends Widget {
  private readonly list = el('ul', { className: 'jp-StellaScript-secret-list' });
  private readonly message = el('div', { className: 'jp-StellaScript-secrets-message' });

  constructor() {
    super({ node: el('section', { className: 'jp-StellaScript-secrets' }) });
    const header = el(
      'div',
      { className: 'jp-StellaScript-secrets-header' },
      el('span', { className: 'jp-StellaScript-heading', text: 'Secrets' }),
      button('New secret', () => void this.create(), 'jp-StellaScript-secret-new', 'Store a secret (encrypted; delivered to runs as /run/secrets/<name>)')
    );
    this.node.append(header, this.message, this.list);
    void this.refresh();
  }

  async refresh(): Promise<void> {
    try {
      const { items } = await request<{ items: ISecret[] }>('secrets');
      this.render(items);
      this.message.textContent = '';
    } catch (error) {
      this.list.replaceChildren();
      this.message.textContent = `Cannot list secrets: ${errorText(error)}`;
    }
  }

  private render(secrets: ISecret[]): void {
    this.list.replaceChildren();
    if (!secrets.length) {
      this.list.append(el('li', { className: 'jp-StellaScript-secrets-empty', text: 'No secrets yet.' }));
    }
    for (const secret of secrets) {
      const shared = secret.visibility === 'team' ? `team ${secret.team}` : secret.visibility;
      this.list.append(
        el(
          'li',
          { className: 'jp-StellaScript-secret-row', title: secret.description || secret.reference, attrs: { 'data-secret': secret.reference } },
          el(
            'div',
            { className: 'jp-StellaScript-row-main' },
            el('span', { className: 'jp-StellaScript-secret-title', text: secret.name }),
            el(
              'span',
              { className: 'jp-StellaScript-meta' },
              el('span', { className: 'jp-StellaScript-secret-owner', text: secret.owner }),
              el('span', { className: 'jp-StellaScript-secret-shared', text: shared }),
              el('span', { className: 'jp-StellaScript-secret-version', text: `v${secret.version}` })
            )
          ),
          el(
            'div',
            { className: 'jp-StellaScript-row-actions' },
            button('Replace', () => void this.replace(secret), 'jp-StellaScript-secret-replace', 'Give it a new value (a new version)'),
            button('Delete', () => void this.remove(secret), 'jp-StellaScript-secret-delete jp-mod-warn', 'Delete the secret')
          )
        )
      );
    }
  }

  private async create(): Promise<void> {
    const form = await askSecret();
    if (form) {
      await this.send('secrets', 'POST', body(form), `Created ${form.name}`);
    }
  }

  private async replace(secret: ISecret): Promise<void> {
    const form = await askSecret(secret);
    if (form) {
      await this.send(`secrets/${segment(secret)}`, 'PUT', body(form, secret), `Replaced ${secret.reference}`);
    }
  }

  private async remove(secret: ISecret): Promise<void> {
    const confirmed = await showDialog({
      title: 'Delete secret',
      body: `Delete ${secret.reference}? Runs that ask for it will be refused.`,
      buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: 'Delete' })]
    });
    if (confirmed.button.accept) {
      await this.send(`secrets/${segment(secret)}`, 'DELETE', undefined, `Deleted ${secret.reference}`);
    }
  }

  private async send(endpoint: string, method: string, payload: unknown, done: string): Promise<void> {
    try {
      await request(endpoint, { method, body: payload === undefined ? undefined : JSON.stringify(payload) });
      await this.refresh();
      this.message.textContent = done;
    } catch (error) {
      this.message.textContent = errorText(error);
    }
  }
}
