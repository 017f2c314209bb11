/**
 * Which language server serves each script language (GET /lsp/status), so a
 * script whose language has no server, or whose server is not installed,
 * says so in its editor instead of silently offering no completions.
 */
import { request, type ILspStatus } from './api';

/** A short notice for the editor toolbar (its tooltip has the whole story), or null when a server serves it. */
export interface ILspNotice {
  text: string;
  detail: string;
}

export function lspNotice(language: string, displayName: string, status: ILspStatus): ILspNotice | null {
  const entry = status.languages[language];
  if (!entry) {
    return { text: `${displayName}: no language server known`, detail: `The server reports no language server for ${language}.` };
  }
  if (entry.available) {
    return null;
  }
  const detail = entry.missing ?? '';
  if (!status.jupyter_lsp) {
    return { text: 'No language servers: jupyter-lsp is not loaded — formatting only', detail };
  }
  if (entry.server === null) {
    return { text: `${displayName}: no language server on this machine — formatting only`, detail };
  }
  return { text: `${displayName}: ${entry.server} is missing — no completions or diagnostics`, detail };
}

let cached: Promise<ILspStatus> | null = null;

/** The status, asked once per page (installing a server needs a server restart anyway); a failed answer is asked again next time. */
export function lspStatus(): Promise<ILspStatus> {
  if (!cached) {
    cached = request<ILspStatus>('lsp/status');
    cached.catch(() => (cached = null));
  }
  return cached;
}
