/**
 * Scripts in JupyterLab's own file editor: a file in the workspace folder that
 * belongs to a script gets a toolbar (version, bump choice, run), and each
 * save of it (Ctrl+S) becomes a new version. The server's validation errors
 * are shown as CodeMirror diagnostics at their line; the file on disk keeps
 * the user's text whatever the server says, so nothing is lost.
 */
import { Diagnostic, setDiagnostics } from '@codemirror/lint';
import { EditorView } from '@codemirror/view';
import { Notification } from '@jupyterlab/apputils';
import { CodeMirrorEditor } from '@jupyterlab/codemirror';
import { DocumentRegistry, IDocumentWidget } from '@jupyterlab/docregistry';
import { FileEditor } from '@jupyterlab/fileeditor';
import { IDisposable } from '@lumino/disposable';
import { Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

import { ApiError, IFieldError, IScript, IWorkspaceFile, post, request } from './api';
import { button, el, select } from './dom';

export type EditorWidget = IDocumentWidget<FileEditor, DocumentRegistry.ICodeModel>;

/** Server field errors → CodeMirror diagnostics (errors without a line go on line 1). */
export function toDiagnostics(view: EditorView, errors: IFieldError[]): Diagnostic[] {
  const doc = view.state.doc;
  return errors.map(error => {
    const lineNumber = Math.min(Math.max(error.line ?? 1, 1), doc.lines);
    const line = doc.line(lineNumber);
    const column = error.column ? Math.min(Math.max(error.column - 1, 0), line.length) : 0;
    const from = line.from + column;
    return {
      from,
      to: Math.max(line.to, from),
      severity: 'error',
      source: 'Stella Script',
      message: error.line ? error.message : `${error.field}: ${error.message}`
    };
  });
}

export class ScriptEditorExtension implements DocumentRegistry.IWidgetExtension<EditorWidget, DocumentRegistry.ICodeModel> {
  /** A script got a new version from the editor (the library refreshes). */
  readonly saved = new Signal<this, IScript>(this);

  constructor(
    private readonly workspaceDir: () => string | null,
    private readonly runScript: (scriptId: string, version?: string) => void
  ) {}

  createNew(widget: EditorWidget, context: DocumentRegistry.IContext<DocumentRegistry.ICodeModel>): IDisposable | void {
    const root = this.workspaceDir();
    if (!root || !context.path.startsWith(`${root}/`)) {
      return;
    }
    void this.attach(widget, context);
  }

  private async attach(widget: EditorWidget, context: DocumentRegistry.IContext<DocumentRegistry.ICodeModel>): Promise<void> {
    let file: IWorkspaceFile;
    try {
      file = (await request<{ file: IWorkspaceFile }>(`workspace?path=${encodeURIComponent(context.path)}`)).file;
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        return; // a file in the workspace folder that is not a script's entry point
      }
      throw error;
    }
    widget.addClass('jp-StellaScript-editor');
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
    bar.append(
      button('Run', () => this.runScript(file.script_id, file.pinned ? file.version : undefined), 'jp-StellaScript-editor-run', 'Open the run panel'),
      status
    );
    widget.toolbar.addItem('stellascript', new Widget({ node: bar }));
    if (file.pinned) {
      // An old version is for reading and running; changes go to the latest one.
      widget.content.editor.setOption('readOnly', true);
      // (Not via title.label: a document widget's label renames its file.)
    }

    const view = () => (widget.content.editor as CodeMirrorEditor).editor;
    context.saveState.connect(async (_, state) => {
      if (state !== 'completed') {
        return;
      }
      status.textContent = 'Saving version…';
      status.className = 'jp-StellaScript-editor-status';
      try {
        const result = await post<{ script: IScript; created: boolean }>('workspace/save', {
          path: context.path,
          version_bump: bump.value
        });
        view().dispatch(setDiagnostics(view().state, []));
        file = { ...file, version: result.script.version };
        showVersion(result.script.version);
        status.textContent = result.created ? `Saved as v${result.script.version}` : 'No change since the last version';
        status.classList.add('jp-mod-ok');
        if (result.created) {
          this.saved.emit(result.script);
        }
      } catch (error) {
        status.classList.add('jp-mod-error');
        if (error instanceof ApiError && error.status === 400 && error.errors.length) {
          view().dispatch(setDiagnostics(view().state, toDiagnostics(view(), error.errors)));
          const count = error.errors.length;
          status.textContent = `${count} problem${count > 1 ? 's' : ''}: not saved as a version (the file keeps your text)`;
        } else {
          const message = error instanceof ApiError ? error.message : String(error);
          status.textContent = `Not saved as a version: ${message}`;
          Notification.warning(`Stella Script: ${message}`, { autoClose: 8000 });
        }
      }
    });
  }
}
