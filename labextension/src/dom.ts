/** Small DOM helpers: the panels are plain DOM inside Lumino widgets. */
import type { ExecutionStatus } from './status';

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: { className?: string; text?: string; title?: string; attrs?: Record<string, string> } = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props.className) {
    node.className = props.className;
  }
  if (props.text !== undefined) {
    node.textContent = props.text;
  }
  if (props.title) {
    node.title = props.title;
  }
  for (const [name, value] of Object.entries(props.attrs ?? {})) {
    node.setAttribute(name, value);
  }
  for (const child of children) {
    node.append(child);
  }
  return node;
}

export function button(label: string, onClick: () => void, className = '', title = ''): HTMLButtonElement {
  const node = el('button', { className: `jp-Button jp-mod-styled ${className}`, text: label, title });
  node.addEventListener('click', event => {
    event.stopPropagation();
    onClick();
  });
  return node;
}

export function select(options: [string, string][], value = ''): HTMLSelectElement {
  const node = el('select', { className: 'jp-mod-styled' });
  for (const [optionValue, label] of options) {
    const option = el('option', { text: label });
    option.value = optionValue;
    node.append(option);
  }
  if (value) {
    node.value = value;
  }
  return node;
}

/** An execution's status as a badge (styled per status in base.css); "never run" without one. */
export function statusBadge(status: ExecutionStatus | null | undefined): HTMLSpanElement {
  const text = status ?? 'never run';
  return el('span', { className: `jp-StellaScript-status jp-StellaScript-status-${text.replace(/\s+/g, '-')}`, text });
}

export function when(iso: string | null | undefined): string {
  return iso ? new Date(iso).toLocaleString() : '—';
}
