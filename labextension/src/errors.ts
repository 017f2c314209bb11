/** A failed API call, and how any error is told to the user. */
import type { components } from './generated/openapi';

export type IFieldError = components['schemas']['FieldError'];

/** A failed API call: status, message and, for invalid input, every field error. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors: IFieldError[] = [],
    readonly body: any = {}
  ) {
    super(message);
  }
}

/**
 * What went wrong, as text for a notification or a problem line: an API
 * error's message, then each field error its message does not already say
 * (the server's message for invalid input joins the field messages); any
 * other error as it prints.
 */
export function errorText(error: unknown): string {
  if (!(error instanceof ApiError)) {
    return String(error);
  }
  const details = error.errors.filter(detail => !error.message.includes(detail.message)).map(detail => `${detail.field}: ${detail.message}`);
  return [error.message, ...details].join('\n');
}
