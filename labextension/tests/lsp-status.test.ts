import { describe, expect, it } from 'vitest';

import type { ILspStatus } from '../src/api';
import { lspNotice } from '../src/lsp-status';

const server = (available: boolean, name: string | null, missing: string | null = null) => ({
  language_id: 'python',
  server: name,
  available,
  missing,
  session: null,
  restarts: 0
});

describe('lspNotice', () => {
  it('says nothing when a language server serves the language', () => {
    const status: ILspStatus = { jupyter_lsp: true, languages: { python: server(true, 'pyright') } };
    expect(lspNotice('python', 'Python', status)).toBeNull();
  });

  it('names a missing server, with the reason as its detail', () => {
    const status: ILspStatus = { jupyter_lsp: true, languages: { go: server(false, 'gopls', 'gopls is not on PATH') } };
    expect(lspNotice('go', 'Go', status)).toEqual({ text: 'Go: gopls is missing — no completions or diagnostics', detail: 'gopls is not on PATH' });
  });

  it('says when the language has no server at all, or jupyter-lsp is not loaded', () => {
    expect(lspNotice('bash', 'Bash', { jupyter_lsp: true, languages: { bash: server(false, null, 'none known') } })?.text).toBe(
      'Bash: no language server on this machine — formatting only'
    );
    expect(lspNotice('bash', 'Bash', { jupyter_lsp: false, languages: { bash: server(false, 'bash-language-server') } })?.text).toBe(
      'No language servers: jupyter-lsp is not loaded — formatting only'
    );
    expect(lspNotice('ruby', 'Ruby', { jupyter_lsp: true, languages: {} })).toEqual({
      text: 'Ruby: no language server known',
      detail: 'The server reports no language server for ruby.'
    });
  });
});
