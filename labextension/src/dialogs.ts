/** The extension's dialogs: new script, clone a sample, confirm a delete, unsaved changes on checkout. */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';

import { ILanguage, ISample, Visibility, visibilityValues } from './api';
import { el, select } from './dom';

/** How each visibility is offered (a Record: a visibility the API adds cannot be forgotten here). */
export const VISIBILITY_LABELS: Record<Visibility, string> = {
  private: 'Private',
  team: 'Team',
  organization: 'Organization',
  public: 'Public'
};

export function visibilityOptions(): [string, string][] {
  return visibilityValues.map(value => [value, VISIBILITY_LABELS[value]]);
}

/** A dialog body made of labelled inputs. */
export class FormBody extends Widget {
  constructor(fields: [string, HTMLElement][]) {
    super();
    this.addClass('jp-StellaScript-dialog');
    for (const [label, input] of fields) {
      this.node.append(el('label', {}, el('span', { text: label }), input));
    }
  }
}

export interface INewScriptChoice {
  name: string;
  language: string;
  visibility: Visibility;
  tags: string[];
}

const tagsOf = (text: string) => text.split(',').map(tag => tag.trim()).filter(Boolean);

/**
 * Ask for a new script's name, language, visibility and tags; null when
 * cancelled. Asked again after the server refused the name (a duplicate, the
 * name rule), it shows what was typed and why it was refused.
 */
export async function askNewScript(languages: readonly ILanguage[], previous?: INewScriptChoice, problem = ''): Promise<INewScriptChoice | null> {
  const name = el('input', { className: 'jp-mod-styled jp-StellaScript-new-name', attrs: { placeholder: 'e.g. nightly-report' } });
  const language = select(languages.map(item => [item.name, item.display_name] as [string, string]), previous?.language ?? 'python');
  language.classList.add('jp-StellaScript-new-language');
  const visibility = select(visibilityOptions(), previous?.visibility ?? 'private');
  const tags = el('input', { className: 'jp-mod-styled', attrs: { placeholder: 'comma-separated' } });
  name.value = previous?.name ?? '';
  tags.value = previous?.tags.join(', ') ?? '';
  const body = new FormBody([
    ['Name', name],
    ['Language', language],
    ['Visibility', visibility],
    ['Tags', tags]
  ]);
  if (problem) {
    body.node.prepend(el('div', { className: 'jp-StellaScript-problem jp-StellaScript-new-problem', text: problem, attrs: { role: 'alert' } }));
  }
  const result = await showDialog({
    title: 'New script',
    body,
    focusNodeSelector: 'input',
    buttons: [Dialog.cancelButton(), Dialog.okButton({ label: 'Create' })]
  });
  if (!result.button.accept) {
    return null;
  }
  return { name: name.value, language: language.value, visibility: visibility.value as Visibility, tags: tagsOf(tags.value) };
}

export interface ISampleChoice {
  sampleId: string;
  name: string;
  visibility: Visibility;
}

/** What a sample takes, as the dialog lists it: "url (string, required) — Endpoint to check". */
function parameterLine(parameter: ISample['parameters'][number]): string {
  const facts: string[] = [parameter.type ?? 'string'];
  if (parameter.required) {
    facts.push('required');
  } else if (parameter.default !== undefined && parameter.default !== null) {
    facts.push(`default ${JSON.stringify(parameter.default)}`);
  }
  return `${parameter.name} (${facts.join(', ')})${parameter.description ? ` — ${parameter.description}` : ''}`;
}

/** The selected sample's description, category, tags, parameters and dependencies. */
function sampleDetails(sample: ISample | undefined): HTMLElement {
  const node = el('div', { className: 'jp-StellaScript-sample-details' });
  if (!sample) {
    return node;
  }
  node.append(
    el('p', { className: 'jp-StellaScript-sample-description', text: sample.description }),
    el('div', { className: 'jp-StellaScript-sample-meta', text: `${sample.category_label} · ${sample.language} · ${sample.file}` }),
    el('div', { className: 'jp-StellaScript-sample-tags' }, ...sample.tags.map(tag => el('span', { className: 'jp-StellaScript-tag-chip', text: tag })))
  );
  const parameters = el('ul', { className: 'jp-StellaScript-sample-parameters' }, ...sample.parameters.map(p => el('li', { text: parameterLine(p) })));
  node.append(el('div', { className: 'jp-StellaScript-sample-heading', text: sample.parameters.length ? 'Parameters' : 'No declared parameters' }), parameters);
  if (sample.dependencies.length) {
    const text = sample.dependencies.map(d => (d.version ? `${d.name} ${d.version}` : d.name)).join(', ');
    node.append(el('div', { className: 'jp-StellaScript-sample-dependencies', text: `Dependencies: ${text}` }));
  }
  return node;
}

/**
 * Ask which sample to clone, under what name and visibility; null when
 * cancelled. The list comes from GET scripts/samples (description, tags and
 * parameters shown for the selected one). Asked again after the server
 * refused the name, it keeps the choice and shows why.
 */
export async function askSample(samples: ISample[], previous?: ISampleChoice, problem = ''): Promise<ISampleChoice | null> {
  const sample = select(samples.map(item => [item.id, `${item.title} (${item.language})`] as [string, string]), previous?.sampleId ?? samples[0]?.id ?? '');
  sample.classList.add('jp-StellaScript-sample-select');
  const name = el('input', { className: 'jp-mod-styled jp-StellaScript-sample-name', attrs: { placeholder: 'name of your copy' } });
  const visibility = select(visibilityOptions(), previous?.visibility ?? 'private');
  const selected = () => samples.find(item => item.id === sample.value);
  name.value = previous?.name ?? selected()?.id ?? '';
  const body = new FormBody([
    ['Sample', sample],
    ['Name', name],
    ['Visibility', visibility]
  ]);
  let details = sampleDetails(selected());
  body.node.append(details);
  sample.addEventListener('change', () => {
    name.value = selected()?.id ?? '';
    const next = sampleDetails(selected());
    details.replaceWith(next);
    details = next;
  });
  if (problem) {
    body.node.prepend(el('div', { className: 'jp-StellaScript-problem jp-StellaScript-sample-problem', text: problem, attrs: { role: 'alert' } }));
  }
  const result = await showDialog({
    title: 'New script from a sample',
    body,
    buttons: [Dialog.cancelButton(), Dialog.okButton({ label: 'Clone' })]
  });
  if (!result.button.accept || !samples.length) {
    return null;
  }
  return { sampleId: sample.value, name: name.value.trim(), visibility: visibility.value as Visibility };
}

export async function confirmDelete(script: { name: string; language: string; latest_version: string }): Promise<boolean> {
  const result = await showDialog({
    title: 'Delete script',
    body: `Delete "${script.name}" (${script.language}, ${script.latest_version})? It can no longer be run; its past executions stay.`,
    buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: 'Delete' })]
  });
  return result.button.accept;
}

/** Running from an editor whose text is not saved: save it as a new version first, run the saved one, or neither. */
export async function askUnsavedRun(name: string): Promise<'save' | 'saved' | 'cancel'> {
  const save = 'Save and run';
  const saved = 'Run saved version';
  const choice = await showDialog({
    title: 'Unsaved changes',
    body: `${name} has changes that are not saved. A run uses a saved version: save them as a new version and run it, or run the last saved version without them?`,
    buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: saved }), Dialog.okButton({ label: save })]
  });
  return choice.button.label === save ? 'save' : choice.button.label === saved ? 'saved' : 'cancel';
}

/** The file at `path` has edits no version holds: keep them, discard them for `version`, or neither. */
export async function askUnsavedChanges(path: string, version: string | undefined): Promise<'keep' | 'discard' | 'cancel'> {
  const keep = 'Keep my changes';
  const discard = 'Discard my changes';
  const choice = await showDialog({
    title: 'Unsaved local changes',
    body: `${path} has changes that no version of the script holds. Keep them, or replace them with version ${version ?? 'latest'}?`,
    buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: discard }), Dialog.okButton({ label: keep })]
  });
  return choice.button.label === keep ? 'keep' : choice.button.label === discard ? 'discard' : 'cancel';
}
