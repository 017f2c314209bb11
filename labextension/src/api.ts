/**
 * The Stella Script REST API (`{base_url}stellascript/api/v1/`), through
 * JupyterLab's ServerConnection so that the server's token, XSRF cookie and
 * base URL are handled as for every other JupyterLab request.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import { ApiError } from './errors';
import type { components } from './generated/openapi';

export { ApiError, errorText } from './errors';
export type { IFieldError } from './errors';
export { FINISHED, isFinished } from './status';
export type { ExecutionStatus } from './status';

export const API_PATH = 'stellascript/api/v1';

type Schemas = components['schemas'];

/** The API's records and request bodies, as its OpenAPI document (generated/openapi.ts) defines them. */
export type IScript = Schemas['Script'];
export type IScriptCreate = Schemas['ScriptCreate'];
export type IParameter = Schemas['ParameterDeclaration'];
export type IScriptList = Schemas['ScriptList'];
export type IVersion = Schemas['ScriptVersion'];
export type IVersionList = Schemas['ScriptVersionList'];
export type IExecuteRequest = Schemas['ExecuteRequest'];
export type IExecutionAccepted = Schemas['ExecutionAccepted'];
export type IExecution = Schemas['Execution'];
export type IExecutionList = Schemas['ExecutionList'];
export type ILogsEnd = Schemas['LogsEnd'];
export type ILanguage = Schemas['LanguageInfo'];
export type ILanguageList = Schemas['LanguageList'];
export type LanguageName = Schemas['Language'];
export type NetworkMode = Schemas['NetworkMode'];
export type Visibility = Schemas['Visibility'];
export type VersionBump = Schemas['VersionBump'];
export type ISampleList = Schemas['SampleList'];
/** A listed sample (no content): what the Sample dialog shows. */
export type ISample = Schemas['SampleSummary'];
export type ISampleClone = Schemas['SampleClone'];
export type ITemplate = Schemas['Template'];
export type ITemplateList = Schemas['TemplateList'];
export type ICheckoutRequest = Schemas['CheckoutRequest'];
export type ICheckout = Schemas['Checkout'];
export type IWorkspace = Schemas['Workspace'];
export type IWorkspaceSaveRequest = Schemas['WorkspaceSaveRequest'];
export type IWorkspaceSave = Schemas['WorkspaceSave'];
export type IFormatRequest = Schemas['FormatRequest'];
export type IFormatResult = Schemas['FormatResult'];
export type ILspStatus = Schemas['LspStatus'];
export type ILanguageServerStatus = Schemas['LspServerStatus'];
/** A script's file in the workspace folder (GET workspace?path= answers with every field of it). */
export type IWorkspaceFile = Required<Pick<Schemas['WorkspaceFile'], 'script_id' | 'name' | 'language' | 'version' | 'entry_point' | 'pinned'>>;

export { networkModeValues, visibilityValues, versionBumpValues } from './generated/openapi';

function settings(): ServerConnection.ISettings {
  return ServerConnection.makeSettings();
}

export function apiUrl(endpoint: string): string {
  return URLExt.join(settings().baseUrl, API_PATH, endpoint);
}

/** Call the API; JSON in and out; an ApiError for any non-2xx answer. */
export async function request<T>(endpoint: string, init: RequestInit = {}): Promise<T> {
  const connection = settings();
  if (init.body && !(init.headers as any)?.['Content-Type']) {
    init.headers = { ...(init.headers as any), 'Content-Type': 'application/json' };
  }
  // Runs started from here are recorded as started from the UI (the execution centre filters by it).
  init.headers = { ...(init.headers as any), 'X-StellaScript-Trigger': 'ui' };
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(apiUrl(endpoint), init, connection);
  } catch (error) {
    throw new ApiError(0, `the Jupyter server could not be reached: ${error}`);
  }
  const text = await response.text();
  let body: any = {};
  if (text) {
    try {
      body = JSON.parse(text);
    } catch (error) {
      // Not JSON: a proxy's or tornado's own error page; keep its text.
      body = { message: text.slice(0, 300) };
    }
  }
  if (!response.ok) {
    throw new ApiError(response.status, body.message || response.statusText, body.errors || [], body);
  }
  return body as T;
}

export function post<T>(endpoint: string, body: unknown): Promise<T> {
  return request<T>(endpoint, { method: 'POST', body: JSON.stringify(body) });
}

/** What a log stream carries: the script's two streams, and the platform's messages (dependency builds, waits). */
export type OutputStream = 'stdout' | 'stderr' | 'platform';

/**
 * A finished record's stdout and stderr in the order written (its
 * output_order: runs of [stream, characters]); without one, stdout first.
 */
export function interleave(record: Pick<IExecution, 'stdout' | 'stderr' | 'output_order'>): [OutputStream, string][] {
  const texts = { stdout: record.stdout ?? '', stderr: record.stderr ?? '' };
  const taken = { stdout: 0, stderr: 0 };
  const pieces: [OutputStream, string][] = [];
  for (const [stream, length] of record.output_order ?? []) {
    const piece = texts[stream].slice(taken[stream], taken[stream] + length);
    taken[stream] += piece.length;
    if (piece) {
      pieces.push([stream, piece]);
    }
  }
  for (const stream of ['stdout', 'stderr'] as const) {
    const rest = texts[stream].slice(taken[stream]);
    if (rest) {
      pieces.push([stream, rest]);
    }
  }
  return pieces;
}

/**
 * Read a server-sent event stream: `onEvent` gets each event's name and data
 * until one named `end`, whose data this resolves with (parsed).
 */
export async function followEvents(path: string, onEvent: (event: string, data: string) => void, signal?: AbortSignal): Promise<Record<string, unknown>> {
  const response = await ServerConnection.makeRequest(apiUrl(path), { method: 'GET', headers: { Accept: 'text/event-stream' }, signal }, settings());
  if (!response.ok || !response.body) {
    throw new ApiError(response.status, `${path} cannot be read (${response.status})`);
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) {
      break;
    }
    buffer += decoder.decode(value, { stream: true });
    let boundary: number;
    while ((boundary = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, boundary);
      buffer = buffer.slice(boundary + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) {
          event = line.slice(7);
        } else if (line.startsWith('data: ')) {
          data.push(line.slice(6));
        } else if (line === 'data:') {
          data.push('');
        }
      }
      const text = data.join('\n');
      if (event === 'end') {
        return JSON.parse(text);
      }
      onEvent(event, text);
    }
  }
  throw new ApiError(0, `${path}: the stream ended before the end event`);
}

/**
 * Follow an execution's output (server-sent events). `onOutput` gets each
 * stdout/stderr chunk as it is written, and the platform's messages;
 * resolves with the `end` event's data.
 */
export async function followLogs(
  executionId: string,
  onOutput: (stream: OutputStream, text: string) => void,
  signal?: AbortSignal
): Promise<ILogsEnd> {
  try {
    const end = await followEvents(
      `scripts/executions/${executionId}/logs`,
      (event, text) => {
        if (event === 'stdout' || event === 'stderr' || event === 'platform') {
          onOutput(event, text);
        }
      },
      signal
    );
    return end as unknown as ILogsEnd;
  } catch (error) {
    if (error instanceof ApiError && error.status !== 0) {
      throw new ApiError(error.status, `the output of ${executionId} cannot be read (${error.status})`);
    }
    if (error instanceof ApiError) {
      throw new ApiError(0, 'the output stream ended before the execution finished');
    }
    throw error;
  }
}

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) {
    return '—';
  }
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}
