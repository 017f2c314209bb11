/**
 * Execution statuses as the server names them. The list comes from the API's
 * schema (generated/openapi.ts), so a status the server adds or renames shows
 * up here — and in the unit test that every status has a badge style.
 */
import { executionStatusValues } from './generated/openapi';
import type { components } from './generated/openapi';

export type ExecutionStatus = components['schemas']['ExecutionStatus'];

export const EXECUTION_STATUSES: readonly ExecutionStatus[] = executionStatusValues;

/** The statuses of an execution that has not ended yet (as the server's ExecutionStatus.is_terminal says). */
const LIVE: readonly ExecutionStatus[] = ['Queued', 'Running'];

/** The statuses an execution ends with: its record no longer changes, its output is stored. */
export const FINISHED: readonly ExecutionStatus[] = EXECUTION_STATUSES.filter(status => !LIVE.includes(status));

export function isFinished(status: ExecutionStatus): boolean {
  return FINISHED.includes(status);
}
