/**
 * A run's step outputs (the JSON object its script wrote to
 * $STELLASCRIPT_OUTPUT) as a key/value table; nothing when it published none.
 */
import { el } from './dom';

/** A value as one line: strings as they are, anything else as JSON. */
function shown(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function outputsTable(outputs: Record<string, unknown> | null | undefined): HTMLElement | null {
  const entries = Object.entries(outputs ?? {});
  if (entries.length === 0) {
    return null;
  }
  const rows = entries.map(([key, value]) =>
    el('tr', { attrs: { 'data-output-key': key } }, el('th', { text: key }), el('td', { text: shown(value) }))
  );
  return el(
    'div',
    { className: 'jp-StellaScript-outputs' },
    el('h3', { text: 'Outputs' }),
    el('table', { attrs: { 'aria-label': 'outputs' } }, el('tbody', {}, ...rows))
  );
}
