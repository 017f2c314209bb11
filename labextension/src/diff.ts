/** Line diffs laid out side by side: two versions (history), two runs' output (execution centre). */
import { diffLines } from 'diff';

import { el } from './dom';

export interface IDiffRow {
  left: string | null;
  right: string | null;
  kind: 'same' | 'changed' | 'removed' | 'added';
  leftNumber: number | null;
  rightNumber: number | null;
}

/** Two texts as aligned rows: removed lines face the lines that replaced them. */
export function sideBySide(before: string, after: string): IDiffRow[] {
  const rows: IDiffRow[] = [];
  let leftNumber = 1;
  let rightNumber = 1;
  const lines = (text: string) => text.replace(/\n$/, '').split('\n');
  const parts = diffLines(before, after);
  for (let index = 0; index < parts.length; index++) {
    const part = parts[index];
    if (!part.added && !part.removed) {
      for (const line of lines(part.value)) {
        rows.push({ left: line, right: line, kind: 'same', leftNumber: leftNumber++, rightNumber: rightNumber++ });
      }
      continue;
    }
    const removed = part.removed ? lines(part.value) : [];
    let added: string[] = part.added ? lines(part.value) : [];
    if (part.removed && parts[index + 1]?.added) {
      added = lines(parts[++index].value);
    }
    for (let i = 0; i < Math.max(removed.length, added.length); i++) {
      const left = i < removed.length ? removed[i] : null;
      const right = i < added.length ? added[i] : null;
      rows.push({
        left,
        right,
        kind: left !== null && right !== null ? 'changed' : left !== null ? 'removed' : 'added',
        leftNumber: left !== null ? leftNumber++ : null,
        rightNumber: right !== null ? rightNumber++ : null
      });
    }
  }
  return rows;
}

/** Fill ``table`` (class jp-StellaScript-diff) with the side-by-side diff of two texts. */
export function fillDiffTable(table: HTMLTableElement, before: string, after: string, leftTitle: string, rightTitle: string): void {
  const cell = (text: string | null, number: number | null, side: string, kind: string) => [
    el('td', { className: 'jp-StellaScript-diff-number', text: number === null ? '' : String(number) }),
    el('td', { className: `jp-StellaScript-diff-${side} jp-StellaScript-diff-${text === null ? 'blank' : kind}`, text: text ?? '' })
  ];
  table.replaceChildren(el('thead', {}, el('tr', {}, el('th', { text: '' }), el('th', { text: leftTitle }), el('th', { text: '' }), el('th', { text: rightTitle }))));
  const body = el('tbody');
  for (const row of sideBySide(before, after)) {
    body.append(el('tr', { className: `jp-StellaScript-diff-row-${row.kind}` }, ...cell(row.left, row.leftNumber, 'old', row.kind), ...cell(row.right, row.rightNumber, 'new', row.kind)));
  }
  table.append(body);
}
