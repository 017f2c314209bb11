/**
 * The Stella Script REST API (`{base_url}stellascript/api/v1/`), through
 * JupyterLab's ServerConnection so that the server's token, XSRF cookie and
 * base URL are handled as for every other JupyterLab request.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

export const API_PATH = 'stellascript/api/v1';

export interface IFieldError {
  field: string;
  message: string;
  line?: number | null;
  column?: number | null;
}

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

export interface IScript {
  id: string;
  name: string;
  description: string;
  language: string;
  entry_point: string;
  version: string;
  latest_version: string;
  content_sha256: string;
  visibility: string;
  tags: string[];
  updated_at: string | null;
  created_at: string;
  content?: string;
}

export interface IVersion {
  version: string;
  content_sha256: string;
  entry_point: string;
  created_at: string;
  created_by: string;
}

export interface IExecution {
  id: string;
  script_id: string | null;
  script_version: string | null;
  language: string;
  status: string;
  exit_code: number | null;
  stdout: string;
  stderr: string;
  error: string | null;
  termination_reason: string | null;
  arguments: Record<string, string>;
  network_mode: string;
  timeout: number | null;
  queued_at: string | null;
  started_at: string | null;
  completed_at: string | null;
  duration_ms: number | null;
}

export interface ILanguage {
  name: string;
  display_name: string;
  extensions: string[];
  default_timeout: number;
}

export interface ISample {
  language: string;
  file: string;
  name: string;
  summary: string;
  content: string;
}

export interface ITemplate {
  language: string;
  file: string;
  content: string;
}

export interface ICheckout {
  path: string;
  folder: string;
  script_id: string;
  version: string;
  wrote_file: boolean;
}

export interface IWorkspaceFile {
  script_id: string;
  name: string;
  language: string;
  version: string;
  entry_point: string;
  pinned: boolean;
}

export const FINISHED = ['Succeeded', 'Failed', 'Error', 'Timeout', 'Cancelled'];

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

/**
 * Follow an execution's output (server-sent events). `onOutput` gets each
 * stdout/stderr chunk as it is written; resolves with the `end` event's data.
 */
export async function followLogs(
  executionId: string,
  onOutput: (stream: 'stdout' | 'stderr', text: string) => void,
  signal?: AbortSignal
): Promise<{ status: string; exit_code: number | null }> {
  const response = await ServerConnection.makeRequest(
    apiUrl(`scripts/executions/${executionId}/logs`),
    { method: 'GET', headers: { Accept: 'text/event-stream' }, signal },
    settings()
  );
  if (!response.ok || !response.body) {
    throw new ApiError(response.status, `the output of ${executionId} cannot be read (${response.status})`);
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
      if (event === 'stdout' || event === 'stderr') {
        onOutput(event, text);
      }
    }
  }
  throw new ApiError(0, 'the output stream ended before the execution finished');
}

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) {
    return '—';
  }
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}
