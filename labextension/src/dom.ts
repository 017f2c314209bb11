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

/** A moment relative to now, as people say it: "just now", "5 min ago", "3 h ago", "2 days ago". */
export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) {
    return '';
  }
  const seconds = Math.max(0, Math.round((now - new Date(iso).getTime()) / 1000));
  if (seconds < 45) {
    return 'just now';
  }
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) {
    return `${minutes} min ago`;
  }
  const hours = Math.round(minutes / 60);
  if (hours < 24) {
    return `${hours} h ago`;
  }
  const days = Math.round(hours / 24);
  return days === 1 ? 'yesterday' : `${days} days ago`;
}

/** Elapsed time as a clock: 0:07, 1:02:03. */
export function elapsed(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const [h, m, s] = [Math.floor(total / 3600), Math.floor((total % 3600) / 60), total % 60];
  const pad = (n: number) => String(n).padStart(2, '0');
  return h ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}
