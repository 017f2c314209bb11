import { describe, expect, it } from 'vitest';

import { sideBySide } from '../src/diff';

describe('sideBySide', () => {
  it('pairs equal lines with their numbers on both sides', () => {
    expect(sideBySide('a\nb\n', 'a\nb\n')).toEqual([
      { left: 'a', right: 'a', kind: 'same', leftNumber: 1, rightNumber: 1 },
      { left: 'b', right: 'b', kind: 'same', leftNumber: 2, rightNumber: 2 }
    ]);
  });

  it('puts a replaced line opposite the line that replaced it', () => {
    expect(sideBySide('a\nold\nc\n', 'a\nnew\nc\n')).toEqual([
      { left: 'a', right: 'a', kind: 'same', leftNumber: 1, rightNumber: 1 },
      { left: 'old', right: 'new', kind: 'changed', leftNumber: 2, rightNumber: 2 },
      { left: 'c', right: 'c', kind: 'same', leftNumber: 3, rightNumber: 3 }
    ]);
  });

  it('leaves the other side blank for added and removed lines, numbering only real lines', () => {
    expect(sideBySide('a\nb\n', 'a\nb\nc\nd\n').slice(2)).toEqual([
      { left: null, right: 'c', kind: 'added', leftNumber: null, rightNumber: 3 },
      { left: null, right: 'd', kind: 'added', leftNumber: null, rightNumber: 4 }
    ]);
    expect(sideBySide('a\nb\nc\n', 'a\nc\n')).toEqual([
      { left: 'a', right: 'a', kind: 'same', leftNumber: 1, rightNumber: 1 },
      { left: 'b', right: null, kind: 'removed', leftNumber: 2, rightNumber: null },
      { left: 'c', right: 'c', kind: 'same', leftNumber: 3, rightNumber: 2 }
    ]);
  });

  it('pairs a longer replacement line by line, the extra lines as added', () => {
    const rows = sideBySide('x\n', 'y1\ny2\n');
    expect(rows.map(row => [row.left, row.right, row.kind])).toEqual([
      ['x', 'y1', 'changed'],
      [null, 'y2', 'added']
    ]);
  });

  it('treats a missing final newline as a changed last line', () => {
    expect(sideBySide('a\nb', 'a\nb\n').map(row => row.kind)).toEqual(['same', 'changed']);
  });
});
