/**
 * The statuses come from the API's schema; the badges' styles and the
 * "still running?" test must cover exactly those (the 'Timeout' that the
 * server never sent — it sends 'TimedOut' — is what this guards against).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

import { EXECUTION_STATUSES, FINISHED, isFinished } from '../src/status';

const openapi = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'jupyter_stellascript', 'openapi.json'), 'utf8'));
const css = readFileSync(path.join(__dirname, '..', 'style', 'base.css'), 'utf8');

describe('execution statuses', () => {
  it("are the API schema's", () => {
    expect([...EXECUTION_STATUSES]).toEqual(openapi.components.schemas.ExecutionStatus.enum);
    expect(EXECUTION_STATUSES).toContain('TimedOut');
  });

  it('are finished exactly when not queued or running', () => {
    expect([...FINISHED].sort()).toEqual(['Cancelled', 'Error', 'Failed', 'Succeeded', 'TimedOut']);
    expect(isFinished('TimedOut')).toBe(true);
    expect(isFinished('Queued')).toBe(false);
    expect(isFinished('Running')).toBe(false);
  });

  it('each have a badge style, and every badge style is a status', () => {
    const styled = new Set([...css.matchAll(/\.jp-StellaScript-status-([A-Za-z]+)\b/g)].map(match => match[1]));
    expect([...styled].sort()).toEqual([...EXECUTION_STATUSES].sort());
  });
});
