/**
 * The Run form's arguments: generated from a version's declared parameters
 * (text, number, checkbox, select, secret picker, JSON), or free-form
 * name/value rows for a script that declares none. Either way nothing typed
 * is ever dropped or changed silently: a problem is shown inline next to its
 * field, before submitting, and the values stay for the user to fix.
 */
import { ApiError, IFieldError, IParameter, request } from './api';
import { button, el } from './dom';

/** What a form holds: the arguments to send, or the number of problems shown inline. */
export interface ICollected {
  values: Record<string, string>;
  problems: number;
}

/** The two forms the Run view swaps between. */
export interface IArgumentsForm {
  readonly node: HTMLElement;
  /** Check every field (showing each problem inline) and collect the values. */
  collect(): ICollected;
  /** The server's problems with `arguments.<name>` shown at their fields; the rest returned. */
  showServerErrors(errors: IFieldError[]): IFieldError[];
  /** What is typed, by name, to carry over to another version's form. */
  typed(): Record<string, string>;
  /** Fill the form with a past run's values (Edit and run). */
  set(values: Record<string, string>): void;
}

// The secrets store's name rule (parameters/values.py SECRET_NAME_RULE).
const SECRET_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
const INTEGER = /^[+-]?\d+$/;

function own(record: Record<string, string>, name: string): boolean {
  return Object.prototype.hasOwnProperty.call(record, name);
}

function problemNode(): HTMLElement {
  return el('div', { className: 'jp-StellaScript-field-error', attrs: { role: 'alert' } });
}

/** The problem with `text` for `parameter` (as the server would say it), or '' when it fits. */
export function parameterProblem(parameter: IParameter, text: string): string {
  const type = parameter.type ?? 'string';
  if (text === '' && type !== 'string') {
    return parameter.required ? 'required' : '';
  }
  if (text === '' && parameter.required) {
    return 'required';
  }
  switch (type) {
    case 'integer':
    case 'number': {
      const value = Number(text.trim());
      if ((type === 'integer' && !INTEGER.test(text.trim())) || !text.trim() || !Number.isFinite(value)) {
        return type === 'integer' ? 'expected an integer' : 'expected a number';
      }
      if (parameter.minimum !== null && parameter.minimum !== undefined && value < parameter.minimum) {
        return `less than the minimum ${parameter.minimum}`;
      }
      if (parameter.maximum !== null && parameter.maximum !== undefined && value > parameter.maximum) {
        return `greater than the maximum ${parameter.maximum}`;
      }
      return '';
    }
    case 'json':
      try {
        JSON.parse(text);
        return '';
      } catch (error) {
        return `not JSON: ${(error as Error).message}`;
      }
    case 'secret':
      return SECRET_NAME.test(text) ? '' : "not a secret's name (letters, digits, '_', '.', '-')";
    case 'enum':
      return (parameter.values ?? []).includes(text) ? '' : `not one of ${(parameter.values ?? []).join(', ')}`;
    case 'string': {
      if (!parameter.pattern || text === '') {
        return '';
      }
      let pattern: RegExp;
      try {
        pattern = new RegExp(`^(?:${parameter.pattern})$`, 'u');
      } catch {
        return ''; // Python's syntax, not JavaScript's: the server checks it
      }
      return pattern.test(text) ? '' : `does not match the pattern ${parameter.pattern}`;
    }
    default:
      return '';
  }
}

/** The default as the text a field shows ("200", "true", compact JSON). */
function defaultText(parameter: IParameter): string {
  const value = parameter.default;
  if (value === null || value === undefined) {
    return '';
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** The names of the secrets the caller may use; null when the server has no secrets store. */
async function secretNames(): Promise<string[] | null> {
  try {
    const answer = await request<any>('secrets');
    const items: any[] = Array.isArray(answer) ? answer : answer.items ?? [];
    return items.map(item => (typeof item === 'string' ? item : item.name)).filter(Boolean);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      return null;
    }
    throw error;
  }
}

type Field = { parameter: IParameter; read: () => string; write: (text: string) => void; error: HTMLElement };

/** The form generated from declared parameters. */
export class ParameterForm implements IArgumentsForm {
  readonly node = el('div', { className: 'jp-StellaScript-parameters' });
  private readonly fields = new Map<string, Field>();

  constructor(parameters: IParameter[], carried: Record<string, string> = {}) {
    for (const parameter of parameters) {
      const field = this.field(parameter);
      const text = own(carried, parameter.name) ? carried[parameter.name] : defaultText(parameter);
      field.write(text);
      this.fields.set(parameter.name, field);
    }
  }

  /** A past run's values into their fields (a parameter it did not name keeps what it holds). */
  set(values: Record<string, string>): void {
    for (const [name, field] of this.fields) {
      if (own(values, name)) {
        field.write(values[name]);
      }
    }
  }

  private field(parameter: IParameter): Field {
    const type = parameter.type ?? 'string';
    const id = `jp-StellaScript-param-${parameter.name}`;
    const error = problemNode();
    const label = el('label', { className: 'jp-StellaScript-param-label', attrs: { for: id } }, parameter.name);
    if (parameter.required) {
      label.append(el('span', { className: 'jp-StellaScript-required', text: ' *', title: 'required' }));
    }
    label.append(el('span', { className: 'jp-StellaScript-param-type', text: ` ${type}` }));
    let input: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;
    let read: () => string;
    let write: (text: string) => void;
    let hint = '';
    if (type === 'boolean') {
      const box = el('input', { className: 'jp-StellaScript-param-input', attrs: { type: 'checkbox', id } });
      input = box;
      read = () => (box.checked ? 'true' : 'false');
      write = text => (box.checked = ['true', 'yes', 'on', '1'].includes(text.trim().toLowerCase()));
    } else if (type === 'enum') {
      const choice = el('select', { className: 'jp-mod-styled jp-StellaScript-param-input', attrs: { id } });
      if (!parameter.required) {
        choice.append(el('option', { text: '(none)', attrs: { value: '' } }));
      }
      for (const value of parameter.values ?? []) {
        choice.append(el('option', { text: value, attrs: { value } }));
      }
      input = choice;
      read = () => choice.value;
      write = text => (choice.value = text);
    } else if (type === 'json') {
      const area = el('textarea', { className: 'jp-mod-styled jp-StellaScript-param-input', attrs: { id, rows: '3', placeholder: 'JSON, e.g. {"key": 1}' } });
      input = area;
      read = () => area.value;
      write = text => (area.value = text);
    } else if (type === 'secret') {
      const { node, readSecret, writeSecret } = this.secretPicker(id, error);
      input = node as HTMLSelectElement;
      read = readSecret;
      write = writeSecret;
    } else {
      const box = el('input', { className: 'jp-mod-styled jp-StellaScript-param-input', attrs: { id, type: 'text' } });
      if (type === 'integer' || type === 'number') {
        box.inputMode = type === 'integer' ? 'numeric' : 'decimal';
        const range = [parameter.minimum, parameter.maximum].map(bound => (bound === null || bound === undefined ? '' : String(bound)));
        hint = range.some(Boolean) ? `from ${range[0] || '−∞'} to ${range[1] || '∞'}` : '';
      }
      if (parameter.pattern) {
        hint = `matches ${parameter.pattern}`;
      }
      input = box;
      read = () => box.value;
      write = text => (box.value = text);
    }
    input.setAttribute('data-parameter', parameter.name);
    input.setAttribute('aria-describedby', `${id}-error`);
    error.id = `${id}-error`;
    const description = [parameter.description, hint, parameter.default !== null && parameter.default !== undefined ? `default ${defaultText(parameter)}` : '']
      .filter(Boolean)
      .join(' · ');
    const field: Field = { parameter, read, write, error };
    // Checked as the user types (not on leaving the field: a message appearing then would move the
    // Run button from under the pointer between press and release), and again on Run.
    input.addEventListener('input', () => this.check(field));
    input.addEventListener('change', () => this.check(field));
    this.node.append(
      el(
        'div',
        { className: 'jp-StellaScript-param', attrs: { 'data-parameter': parameter.name } },
        label,
        input,
        el('div', { className: 'jp-StellaScript-param-description', text: description }),
        error
      )
    );
    return field;
  }

  /** A select of the secrets the caller may use, or (no secrets store yet) a text input saying so. */
  private secretPicker(id: string, error: HTMLElement): { node: HTMLElement; readSecret: () => string; writeSecret: (text: string) => void } {
    const wrapper = el('span', { className: 'jp-StellaScript-secret-picker' });
    const choice = el('select', { className: 'jp-mod-styled jp-StellaScript-param-input jp-StellaScript-secret-select', attrs: { id } });
    choice.append(el('option', { text: '(choose a secret)', attrs: { value: '' } }));
    const text = el('input', { className: 'jp-mod-styled jp-StellaScript-param-input jp-StellaScript-secret-name', attrs: { type: 'text', placeholder: "a secret's name" } });
    let pending = '';
    let useText = false;
    wrapper.append(choice);
    void secretNames().then(
      names => {
        if (names === null) {
          useText = true;
          text.value = choice.value || pending;
          wrapper.replaceChildren(text, el('span', { className: 'jp-StellaScript-hint', text: ' This server has no secrets store: type the name of a secret.' }));
          return;
        }
        for (const name of names) {
          choice.append(el('option', { text: name, attrs: { value: name } }));
        }
        if (pending && !names.includes(pending)) {
          choice.append(el('option', { text: `${pending} (not among your secrets)`, attrs: { value: pending } }));
        }
        choice.value = pending;
      },
      failure => (error.textContent = `Secrets could not be listed: ${failure}`)
    );
    return {
      node: wrapper,
      readSecret: () => (useText ? text.value : choice.value || pending),
      writeSecret: value => {
        pending = value;
        text.value = value;
        choice.value = value;
      }
    };
  }

  private check(field: Field): boolean {
    const problem = parameterProblem(field.parameter, field.read());
    field.error.textContent = problem;
    return !problem;
  }

  collect(): ICollected {
    // No prototype: a name such as __proto__ or constructor is a name like any other.
    const values: Record<string, string> = Object.create(null);
    let problems = 0;
    for (const [name, field] of this.fields) {
      if (!this.check(field)) {
        problems += 1;
        continue;
      }
      const text = field.read();
      // Left empty: the server fills in the default (or it is an optional argument left out).
      if (text !== '') {
        values[name] = text;
      }
    }
    return { values, problems };
  }

  showServerErrors(errors: IFieldError[]): IFieldError[] {
    const rest: IFieldError[] = [];
    for (const error of errors) {
      const field = this.fields.get(error.field.replace(/^arguments\./, ''));
      if (error.field.startsWith('arguments.') && field) {
        field.error.textContent = error.message;
      } else {
        rest.push(error);
      }
    }
    return rest;
  }

  typed(): Record<string, string> {
    return Object.fromEntries(Array.from(this.fields, ([name, field]) => [name, field.read()]));
  }
}

/**
 * Name/value rows (arguments of a script without parameters, environment
 * variables). A value without a name and a name given twice are inline
 * errors, never dropped; values may span lines.
 */
export class KeyValueRows implements IArgumentsForm {
  readonly node = el('div', { className: 'jp-StellaScript-kv' });
  private readonly rows = el('div', { className: 'jp-StellaScript-kv-rows' });

  constructor(
    private readonly kind: string,
    private readonly secret = false,
    private readonly nameProblem: (name: string) => string = () => ''
  ) {
    this.node.append(this.rows, button(`Add ${kind}`, () => this.add(), `jp-StellaScript-add-${kind}`));
  }

  add(key = '', value = ''): void {
    const name = el('input', { className: 'jp-mod-styled jp-StellaScript-key', attrs: { placeholder: 'name', 'aria-label': `${this.kind} name` } });
    // Environment values are hidden as typed; argument values may be several lines.
    const content = this.secret
      ? el('input', { className: 'jp-mod-styled jp-StellaScript-value', attrs: { placeholder: 'value', type: 'password', 'aria-label': `${this.kind} value` } })
      : el('textarea', { className: 'jp-mod-styled jp-StellaScript-value', attrs: { placeholder: 'value', rows: '1', 'aria-label': `${this.kind} value` } });
    name.value = key;
    content.value = value;
    const row = el('div', { className: 'jp-StellaScript-kv-row' }, name, content);
    row.append(button('✕', () => row.remove(), 'jp-StellaScript-remove', `Remove this ${this.kind}`), problemNode());
    this.rows.append(row);
  }

  private entries(): { row: Element; name: string; value: string; error: HTMLElement }[] {
    return Array.from(this.rows.children).map(row => {
      const [name, value] = Array.from(row.querySelectorAll('input, textarea')) as (HTMLInputElement | HTMLTextAreaElement)[];
      return { row, name: name.value.trim(), value: value.value, error: row.querySelector('.jp-StellaScript-field-error') as HTMLElement };
    });
  }

  collect(): ICollected {
    // No prototype: a name such as __proto__ or constructor is a name like any other.
    const values: Record<string, string> = Object.create(null);
    let problems = 0;
    for (const entry of this.entries()) {
      let problem = '';
      if (!entry.name && entry.value) {
        problem = `This value has no ${this.kind} name.`;
      } else if (entry.name && this.nameProblem(entry.name)) {
        problem = this.nameProblem(entry.name);
      } else if (entry.name && own(values, entry.name)) {
        problem = `${entry.name} is given twice; keep one.`;
      }
      entry.error.textContent = problem;
      if (problem) {
        problems += 1;
      } else if (entry.name) {
        values[entry.name] = entry.value;
      }
    }
    return { values, problems };
  }

  showServerErrors(errors: IFieldError[]): IFieldError[] {
    return errors;
  }

  typed(): Record<string, string> {
    return Object.fromEntries(this.entries().filter(entry => entry.name).map(entry => [entry.name, entry.value]));
  }

  set(values: Record<string, string>): void {
    this.rows.replaceChildren();
    for (const [key, value] of Object.entries(values)) {
      this.add(key, value);
    }
  }
}

/** A script's parameters in one line each, for a tooltip. */
export function describeParameters(parameters: IParameter[] | undefined): string {
  if (!parameters?.length) {
    return '';
  }
  const lines = parameters.map(parameter => {
    const details = [parameter.type ?? 'string', parameter.required ? 'required' : '', parameter.default !== null && parameter.default !== undefined ? `default ${defaultText(parameter)}` : '']
      .filter(Boolean)
      .join(', ');
    return `• ${parameter.name} (${details})${parameter.description ? ` — ${parameter.description}` : ''}`;
  });
  return `Parameters:\n${lines.join('\n')}`;
}
