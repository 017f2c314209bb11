/**
 * Scripts in JupyterLab's own file editor: a file in the workspace folder that
 * belongs to a script gets a toolbar (version, bump choice, run), and each
 * save of it (Ctrl+S) becomes a new version. The server's validation errors
 * are shown as CodeMirror diagnostics at their line; the file on disk keeps
 * the user's text whatever the server says, so nothing is lost.
 */
import { setDiagnostics } from '@codemirror/lint';
import { Notification } from '@jupyterlab/apputils';
import { CodeMirrorEditor } from '@jupyterlab/codemirror';
import { DocumentRegistry, IDocumentWidget } from '@jupyterlab/docregistry';
import { FileEditor } from '@jupyterlab/fileeditor';
import { IDisposable } from '@lumino/disposable';
import { Widget } from '@lumino/widgets';

import { ApiError, errorText, IWorkspace, IWorkspaceFile, IWorkspaceSave, IWorkspaceSaveRequest, post, request, VersionBump } from './api';
import { button, el, select } from './dom';
import { askUnsavedRun } from './dialogs';
import { toDiagnostics } from './editor-diagnostics';
import { formatScript, IUndoCapture } from './format';
import { lspNotice, lspStatus } from './lsp-status';
import { LibraryModel } from './model';

/** The shared document's undo manager (a Y.UndoManager in JupyterLab 4's @jupyter/ydoc), when it has one. */
function undoCapture(sharedModel: unknown): IUndoCapture | null {
  const manager = (sharedModel as { undoManager?: Partial<IUndoCapture> | null }).undoManager;
  return manager && typeof manager.stopCapturing === 'function' ? (manager as IUndoCapture) : null;
}

export type EditorWidget = IDocumentWidget<FileEditor, DocumentRegistry.ICodeModel>;

/**
 * Title a script's editor tab by the script (``name``, ``name@version`` for an
 * old one) instead of its entry file ("main.py" tells four scripts apart from
 * none). A document widget treats its title label as the file's name: it
 * renames the file when the label changes and puts the file name back when the
 * path changes (DocumentWidget._onTitleChanged/_onPathChanged). Those two
 * handlers are disconnected for this widget only; when this JupyterLab does
 * not have them by those names the tab keeps the file name, since setting the
 * label would then rename the user's file. The tooltip (the document
 * manager's caption) still names the file and its path.
 */
export function titleByScript(widget: EditorWidget, label: string): boolean {
  const handlers = widget as unknown as { _onTitleChanged?: unknown; _onPathChanged?: unknown };
  if (typeof handlers._onTitleChanged !== 'function' || typeof handlers._onPathChanged !== 'function') {
    return false;
  }
  type Slot = (sender: unknown, args: unknown) => void;
  const renames = handlers._onTitleChanged as Slot;
  // Only when the rename is really off: a label set with it still connected would rename the file.
  if (!widget.title.changed.disconnect(renames, widget)) {
    return false;
  }
  if (!widget.context.pathChanged.disconnect(handlers._onPathChanged as Slot, widget)) {
    widget.title.changed.connect(renames, widget);
    return false;
  }
  widget.title.label = label;
  return true;
}

export class ScriptEditorExtension implements DocumentRegistry.IWidgetExtension<EditorWidget, DocumentRegistry.ICodeModel> {
  /** The editors showing a script, with what formats them (the "Format script" command uses it). */
  private readonly formatters = new WeakMap<EditorWidget, () => Promise<void>>();
  // The script (and version) each Stella Script editor shows, for "run current script".
  private readonly files = new WeakMap<object, IWorkspaceFile>();

  constructor(
    private readonly model: LibraryModel,
    private readonly runScript: (scriptId: string, version?: string) => void
  ) {}

  /** Whether `widget` is an editor of a script that can be formatted (not an old, read-only version). */
  /** The script (and its version when old) that ``widget`` edits; null for any other widget. */
  scriptOf(widget: unknown): { scriptId: string; version?: string } | null {
    const file = widget && typeof widget === 'object' ? this.files.get(widget) : undefined;
    return file ? { scriptId: file.script_id, ...(file.pinned ? { version: file.version } : {}) } : null;
  }

  canFormat(widget: unknown): boolean {
    return this.formatters.has(widget as EditorWidget);
  }

  /** Format the script in `widget` (see format.ts); false when it is not a script's editor. */
  async format(widget: unknown): Promise<boolean> {
    const format = this.formatters.get(widget as EditorWidget);
    if (!format) {
      return false;
    }
    await format();
    return true;
  }

  createNew(widget: EditorWidget, context: DocumentRegistry.IContext<DocumentRegistry.ICodeModel>): IDisposable | void {
    const root = this.model.workspaceDir;
    // Workflow files (*.workflow.yaml) are workflow-editor.ts's.
    if (!root || !context.path.startsWith(`${root}/`) || context.path.endsWith('.workflow.yaml')) {
      return;
    }
    void this.attach(widget, context);
  }

  private async attach(widget: EditorWidget, context: DocumentRegistry.IContext<DocumentRegistry.ICodeModel>): Promise<void> {
    let file: IWorkspaceFile;
    try {
      file = (await request<IWorkspace>(`workspace?path=${encodeURIComponent(context.path)}`)).file as IWorkspaceFile;
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        return; // a file in the workspace folder that is not a script's entry point
      }
      throw error;
    }
    widget.addClass('jp-StellaScript-editor');
    this.files.set(widget, file);
    const label = el('span', { className: 'jp-StellaScript-editor-label' });
    const status = el('span', { className: 'jp-StellaScript-editor-status', attrs: { role: 'status' } });
    const bump = select(
      [
        ['patch', 'Save as patch'],
        ['minor', 'Save as minor'],
        ['major', 'Save as major']
      ],
      'patch'
    );
    bump.classList.add('jp-StellaScript-bump');
    bump.title = 'Which part of the version a save (Ctrl+S) increments';
    const showVersion = (version: string) => {
      label.textContent = `${file.name} v${version}${file.pinned ? ' (old version: read only)' : ''}`;
    };
    showVersion(file.version);
    const bar = el('div', { className: 'jp-StellaScript-editor-bar' }, label);
    if (!file.pinned) {
      bar.append(bump);
    }
    const view = () => (widget.content.editor as CodeMirrorEditor).editor;
    // The bar is cut to the toolbar's width (style/base.css): the whole text stays in the tooltip.
    const showStatus = (text: string, mod?: 'jp-mod-ok' | 'jp-mod-warn' | 'jp-mod-error') => {
      status.textContent = text;
      status.title = text;
      status.className = `jp-StellaScript-editor-status${mod ? ` ${mod}` : ''}`;
    };
    const format = async () => {
      showStatus('Formatting…');
      const outcome = await formatScript(view(), file, undoCapture(context.model.sharedModel));
      showStatus(outcome, outcome.startsWith('Not formatted') ? 'jp-mod-error' : 'jp-mod-ok');
    };
    if (!file.pinned) {
      bar.append(button('Format', () => void format(), 'jp-StellaScript-editor-format', 'Format script (Shift+Alt+F)'));
      this.formatters.set(widget, format);
    }
    const notice = el('span', { className: 'jp-StellaScript-editor-lsp' });
    // Resolves once the version a save makes is written (true) or refused (false).
    let lastSave: Promise<boolean> = Promise.resolve(true);
    const run = async () => {
      if (!file.pinned && context.model.dirty) {
        const choice = await askUnsavedRun(file.name);
        if (choice === 'cancel') {
          return;
        }
        if (choice === 'save') {
          await context.save();
          if (!(await lastSave)) {
            return; // the toolbar says why; the text stays in the editor
          }
        }
      }
      this.runScript(file.script_id, file.pinned ? file.version : undefined);
    };
    bar.append(
      button('Run', () => void run(), 'jp-StellaScript-editor-run', 'Open the run panel'),
      notice,
      status
    );
    widget.toolbar.addItem('stellascript', new Widget({ node: bar }));
    if (file.pinned) {
      // An old version is for reading and running; changes go to the latest one.
      widget.content.editor.setOption('readOnly', true);
    }
    titleByScript(widget, file.pinned ? `${file.name}@${file.version}` : file.name);
    void this.showLanguageServer(notice, file.language);
    context.saveState.connect(async (_, state) => {
      if (state !== 'completed') {
        return;
      }
      let saved!: (ok: boolean) => void;
      lastSave = new Promise(resolve => (saved = resolve));
      showStatus('Saving version…');
      try {
        const body: IWorkspaceSaveRequest = { path: context.path, version_bump: bump.value as VersionBump };
        const result = await post<IWorkspaceSave>('workspace/save', body);
        // Saved; the save-time check's warnings (TypeScript's type errors by default) stay at their lines.
        const warnings = result.warnings ?? [];
        view().dispatch(setDiagnostics(view().state, toDiagnostics(view(), warnings, 'Stella Script', 'warning')));
        file = { ...file, version: result.script.version };
        showVersion(result.script.version);
        const warned = warnings.length ? ` with ${warnings.length} warning${warnings.length > 1 ? 's' : ''} (it runs anyway)` : '';
        showStatus(result.created ? `Saved as v${result.script.version}${warned}` : 'No change since the last version', warnings.length ? 'jp-mod-warn' : 'jp-mod-ok');
        if (result.created) {
          this.model.notifyScriptsChanged();
        }
        saved(true);
      } catch (error) {
        saved(false);
        if (error instanceof ApiError && error.status === 400 && error.errors.length) {
          view().dispatch(setDiagnostics(view().state, toDiagnostics(view(), error.errors)));
          const count = error.errors.length;
          showStatus(`${count} problem${count > 1 ? 's' : ''}: not saved as a version (the file keeps your text)`, 'jp-mod-error');
        } else {
          const message = errorText(error);
          showStatus(`Not saved as a version: ${message}`, 'jp-mod-error');
          Notification.warning(`Stella Script: ${message}`, { autoClose: 8000 });
        }
      }
    });
  }

  /** Say in the toolbar when the script's language has no language server, or its server is missing. */
  private async showLanguageServer(notice: HTMLElement, language: string): Promise<void> {
    let text: string;
    let detail: string;
    try {
      const found = lspNotice(language, this.model.displayName(language), await lspStatus());
      if (!found) {
        return;
      }
      ({ text, detail } = found);
    } catch (error) {
      text = 'Language servers: status unknown';
      detail = `GET lsp/status failed: ${errorText(error)}`;
    }
    notice.textContent = text;
    notice.title = detail;
    notice.classList.add('jp-mod-warn');
  }
}
