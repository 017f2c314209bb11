import { describe, expect, it } from 'vitest';

import { errorPosition, minimalChange } from '../src/text-change';

/** Apply a change as CodeMirror would. */
function apply(text: string, change: { from: number; to: number; insert: string }): string {
  return text.slice(0, change.from) + change.insert + text.slice(change.to);
}

describe('minimalChange', () => {
  it('is null when nothing changed', () => {
    expect(minimalChange('same', 'same')).toBeNull();
  });

  it('replaces only what lies between the common prefix and suffix', () => {
    expect(minimalChange('x = 1\nprint( x )\n', 'x = 1\nprint(x)\n')).toEqual({ from: 12, to: 15, insert: 'x' });
  });

  it('handles pure insertions and deletions', () => {
    expect(minimalChange('ab', 'aXb')).toEqual({ from: 1, to: 1, insert: 'X' });
    expect(minimalChange('aXb', 'ab')).toEqual({ from: 1, to: 2, insert: '' });
    expect(minimalChange('', 'new')).toEqual({ from: 0, to: 0, insert: 'new' });
  });

  it('does not let prefix and suffix overlap on repeated characters', () => {
    const change = minimalChange('aaa', 'aaaa');
    expect(change).toEqual({ from: 3, to: 3, insert: 'a' });
    expect(apply('aaa', change!)).toBe('aaaa');
  });

  it('always turns before into after', () => {
    const pairs: [string, string][] = [
      ['def f( ):\n  return 1\n', 'def f():\n    return 1\n'],
      ['abcabc', 'abc'],
      ['x', ''],
      ['package main\n\nfunc main(){}\n', 'package main\n\nfunc main() {}\n']
    ];
    for (const [before, after] of pairs) {
      expect(apply(before, minimalChange(before, after)!)).toBe(after);
    }
  });
});

describe('errorPosition', () => {
  it("reads file:LINE:COL as ruff, gofmt, shfmt and google-java-format write it", () => {
    expect(errorPosition('error: Failed to parse hello.py:3:12: Expected an expression')).toEqual({ line: 3, column: 12 });
    expect(errorPosition('main.go:7:2: expected declaration, found x')).toEqual({ line: 7, column: 2 });
  });

  it("reads prettier's (LINE:COL)", () => {
    expect(errorPosition("SyntaxError: ';' expected. (4:9)")).toEqual({ line: 4, column: 9 });
  });

  it('is null when the message points nowhere', () => {
    expect(errorPosition('the formatter crashed')).toBeNull();
  });
});
