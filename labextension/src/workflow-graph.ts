/** The layout of a workflow run's graph: each step's column is its depth in the `needs` DAG. */

export interface IGraphStep {
  id: string;
  needs: readonly string[];
}

/** Each step's depth in the DAG: 0 without needs, else one more than the deepest step it needs. */
export function depths(steps: readonly IGraphStep[]): Map<string, number> {
  const byId = new Map(steps.map(step => [step.id, step]));
  const found = new Map<string, number>();
  const depth = (id: string, seen: Set<string>): number => {
    const known = found.get(id);
    if (known !== undefined) {
      return known;
    }
    if (seen.has(id)) {
      return 0; // a saved definition has no cycle; never loop on one all the same
    }
    seen.add(id);
    const needs = (byId.get(id)?.needs ?? []).filter(need => byId.has(need));
    const value = needs.length ? 1 + Math.max(...needs.map(need => depth(need, seen))) : 0;
    found.set(id, value);
    return value;
  };
  for (const step of steps) {
    depth(step.id, new Set());
  }
  return found;
}
