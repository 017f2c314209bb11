/**
 * Language servers' progress reports ("Loading packages…") out of modal dialogs.
 *
 * JupyterLab's LSP client (@jupyterlab/lsp, which jupyterlab-lsp builds on)
 * shows every `window/showMessage` notification as a modal dialog, and it does
 * not declare the `window.workDoneProgress` client capability. A server
 * without that capability falls back to `window/showMessage` for its
 * progress: gopls then opens "Loading packages…" as a dialog that blocks the
 * page each time a Go script is opened (gopls/internal/progress: Tracker.Start).
 * No gopls or jupyterlab-lsp setting turns that fallback off, so this plugin
 * declares the capability through the LSP feature manager (the public way a
 * feature states what the client supports) and answers the servers'
 * `window/workDoneProgress/create` requests; the `$/progress` notifications
 * that follow are not dialogs. A create request that arrives before the answer
 * is registered gets "method not found", after which gopls reports nothing
 * for that piece of work (also no dialog).
 */
import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ILSPConnection, ILSPDocumentConnectionManager, ILSPFeatureManager } from '@jupyterlab/lsp';

const WORK_DONE_PROGRESS_CREATE = 'window/workDoneProgress/create';

/** The JSON-RPC connection inside JupyterLab's LSPConnection (a protected member there). */
interface IRpcConnection {
  onRequest(method: string, handler: (params: unknown) => unknown): unknown;
}

function rpcOf(connection: ILSPConnection): IRpcConnection | null {
  const rpc = (connection as unknown as { connection?: Partial<IRpcConnection> }).connection;
  return rpc && typeof rpc.onRequest === 'function' ? (rpc as IRpcConnection) : null;
}

export const lspProgressPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-stellascript:lsp-progress',
  description: 'Language servers report progress with $/progress instead of modal "Message from …" dialogs',
  autoStart: true,
  optional: [ILSPFeatureManager, ILSPDocumentConnectionManager],
  activate: (_app: JupyterFrontEnd, features: ILSPFeatureManager | null, connections: ILSPDocumentConnectionManager | null) => {
    if (!features || !connections) {
      return; // no LSP in this JupyterLab: nothing to fix
    }
    features.register({ id: lspProgressPlugin.id, capabilities: { window: { workDoneProgress: true } } });
    const answered = new WeakSet<ILSPConnection>();
    connections.connected.connect((_, { connection }) => {
      if (answered.has(connection)) {
        return; // one connection serves every document of its language server
      }
      const rpc = rpcOf(connection);
      if (!rpc) {
        console.warn(`Stella Script: cannot answer ${WORK_DONE_PROGRESS_CREATE} for ${connection.serverIdentifier}: JupyterLab's LSP connection changed shape`);
        return;
      }
      answered.add(connection);
      // The spec's answer to a create request is null; the server then sends $/progress.
      rpc.onRequest(WORK_DONE_PROGRESS_CREATE, () => null);
    });
  }
};
