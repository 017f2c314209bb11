// A run's graph: a step stands one column right of the deepest step it needs.
import { describe, expect, it } from 'vitest';

import { depths } from '../src/workflow-graph';

describe('depths', () => {
  it('puts each step right of everything it needs', () => {
    const found = depths([
      { id: 'disk', needs: [] },
      { id: 'smoke', needs: ['disk'] },
      { id: 'ports', needs: ['disk'] },
      { id: 'notify', needs: ['smoke', 'ports'] },
      { id: 'late', needs: ['notify', 'disk'] },
      { id: 'alone', needs: [] }
    ]);
    expect(Object.fromEntries(found)).toEqual({ disk: 0, smoke: 1, ports: 1, notify: 2, late: 3, alone: 0 });
  });

  it('ignores unknown needs and never loops on a cycle', () => {
    const found = depths([
      { id: 'a', needs: ['b'] },
      { id: 'b', needs: ['a'] },
      { id: 'c', needs: ['missing'] }
    ]);
    expect(found.get('c')).toBe(0);
    expect([...found.keys()].sort()).toEqual(['a', 'b', 'c']);
  });
});
