/** Pure text helpers of "Format script": where a formatter's error points, and what changed. */

/**
 * Where a formatter's message points, as 1-based line and column. The
 * formatters write `file:LINE:COL: message` (ruff, gofmt, shfmt,
 * google-java-format) or `... (LINE:COL)` (prettier).
 */
export function errorPosition(message: string): { line: number; column: number } | null {
  const match = /:(\d+):(\d+)\b/.exec(message) ?? /\((\d+):(\d+)\)/.exec(message);
  return match ? { line: Number(match[1]), column: Number(match[2]) } : null;
}

/** The smallest change turning `before` into `after` (common prefix and suffix kept). */
export function minimalChange(before: string, after: string): { from: number; to: number; insert: string } | null {
  if (before === after) {
    return null;
  }
  let prefix = 0;
  const shortest = Math.min(before.length, after.length);
  while (prefix < shortest && before[prefix] === after[prefix]) {
    prefix++;
  }
  let suffix = 0;
  while (suffix < shortest - prefix && before[before.length - 1 - suffix] === after[after.length - 1 - suffix]) {
    suffix++;
  }
  return { from: prefix, to: before.length - suffix, insert: after.slice(prefix, after.length - suffix) };
}
