/**
 * Workflows in JupyterLab's own file editor: Open (library panel) checks the
 * workflow's latest definition out into the workspace folder as
 * `<name>.workflow.yaml` and opens it; each save (Ctrl+S) is the workflow's
 * next version. A refused definition's problems are CodeMirror diagnostics
 * at their line (the server gives each problem its line in the file); the
 * file keeps the user's text either way. The file's first line names the
 * workflow JSON Schema for yaml-language-server (through jupyter-lsp), which
 * completes and explains the keys as they are typed.
 */
import { setDiagnostics } from '@codemirror/lint';
import { JupyterFrontEnd } from '@jupyterlab/application';
import { Notification } from '@jupyterlab/apputils';
import { CodeMirrorEditor } from '@jupyterlab/codemirror';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { DocumentRegistry } from '@jupyterlab/docregistry';
import { IDisposable } from '@lumino/disposable';
import { Widget } from '@lumino/widgets';

import { ApiError, errorText, post, request } from './api';
import { askUnsavedChanges } from './dialogs';
import { button, el, select } from './dom';
import { EditorWidget, titleByScript } from './editor';
import { toDiagnostics } from './editor-diagnostics';
import type { components } from './generated/openapi';
import { LibraryModel } from './model';
import { RUN_WORKFLOW_COMMAND } from './workflows';

type Schemas = components['schemas'];
type IWorkflowFile = Schemas['WorkflowFile'];
type IWorkflowCheckout = Schemas['WorkflowCheckout'];
type IWorkflowFileSave = Schemas['WorkflowFileSave'];

export const OPEN_WORKFLOW_COMMAND = 'stellascript:open-workflow';
export const WORKFLOW_SUFFIX = '.workflow.yaml';

export class WorkflowEditorExtension implements DocumentRegistry.IWidgetExtension<EditorWidget, DocumentRegistry.ICodeModel> {
  constructor(
    private readonly model: LibraryModel,
    private readonly runWorkflow: (workflowId: string) => void
  ) {}

  createNew(widget: EditorWidget, context: DocumentRegistry.IContext<DocumentRegistry.ICodeModel>): IDisposable | void {
    const root = this.model.workspaceDir;
    if (root && context.path.startsWith(`${root}/`) && context.path.endsWith(WORKFLOW_SUFFIX)) {
      void this.attach(widget, context);
    }
  }

  private async attach(widget: EditorWidget, context: DocumentRegistry.IContext<DocumentRegistry.ICodeModel>): Promise<void> {
    let file: IWorkflowFile;
    try {
      file = await request<IWorkflowFile>(`workspace/workflows?path=${encodeURIComponent(context.path)}`);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        return; // a YAML file of the workspace that is not a checked-out workflow
      }
      throw error;
    }
    widget.addClass('jp-StellaScript-editor');
    widget.addClass('jp-StellaScript-workflowEditor');
    titleByScript(widget, file.name);
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
    const showVersion = (version: string) => (label.textContent = `${file.name} v${version} (workflow)`);
    const showStatus = (text: string, mod?: 'jp-mod-ok' | 'jp-mod-error') => {
      status.textContent = text;
      status.title = text;
      status.className = `jp-StellaScript-editor-status${mod ? ` ${mod}` : ''}`;
    };
    showVersion(file.version);
    const run = button('Run', () => this.runWorkflow(file.workflow_id), 'jp-StellaScript-editor-run', 'Run the saved version and watch its steps');
    widget.toolbar.addItem('stellascript', new Widget({ node: el('div', { className: 'jp-StellaScript-editor-bar' }, label, bump, run, status) }));
    const view = () => (widget.content.editor as CodeMirrorEditor).editor;
    context.saveState.connect(async (_, state) => {
      if (state !== 'completed') {
        return;
      }
      showStatus('Saving version…');
      try {
        const result = await post<IWorkflowFileSave>('workspace/workflows/save', { path: context.path, version_bump: bump.value });
        view().dispatch(setDiagnostics(view().state, []));
        file = { ...file, version: result.workflow.version };
        showVersion(result.workflow.version);
        showStatus(result.created ? `Saved as v${result.workflow.version}` : 'No change since the last version', 'jp-mod-ok');
        if (result.created) {
          this.model.notifyScriptsChanged();
        }
      } catch (error) {
        if (error instanceof ApiError && error.status === 400 && error.errors.length) {
          // The field path says which part of the definition; the line says where it is.
          const problems = error.errors.map(problem => ({ ...problem, message: `${problem.field.replace(/^definition\.?/, '') || 'definition'}: ${problem.message}` }));
          view().dispatch(setDiagnostics(view().state, toDiagnostics(view(), problems, 'Stella Script workflow')));
          const count = problems.length;
          showStatus(`${count} problem${count > 1 ? 's' : ''}: not saved as a version (the file keeps your text)`, 'jp-mod-error');
        } else {
          const message = errorText(error);
          showStatus(`Not saved as a version: ${message}`, 'jp-mod-error');
          Notification.warning(`Stella Script: ${message}`, { autoClose: 8000 });
        }
      }
    });
  }
}

/** The editor extension and the command that opens a workflow's file. */
export function addWorkflowEditing(app: JupyterFrontEnd, docManager: IDocumentManager, model: LibraryModel): void {
  app.docRegistry.addWidgetExtension('Editor', new WorkflowEditorExtension(model, workflowId => void app.commands.execute(RUN_WORKFLOW_COMMAND, { workflowId })));
  const open = async (workflowId: string, overwrite = false): Promise<void> => {
    try {
      const checkout = await post<IWorkflowCheckout>('workspace/workflows/checkout', { workflow_id: workflowId, overwrite });
      const widget = docManager.findWidget(checkout.path);
      const context = widget ? docManager.contextForWidget(widget) : undefined;
      if (checkout.wrote_file && context && !context.model.dirty) {
        await context.revert(); // a newer version on disk, nothing unsaved to lose
      }
      docManager.openOrReveal(checkout.path);
    } catch (error) {
      if (error instanceof ApiError && error.status === 409 && error.body.path) {
        const choice = await askUnsavedChanges(error.body.path, undefined);
        if (choice === 'keep') {
          docManager.openOrReveal(error.body.path);
        } else if (choice === 'discard') {
          await open(workflowId, true);
        }
        return;
      }
      Notification.error(`Cannot open the workflow: ${errorText(error)}`, { autoClose: 8000 });
    }
  };
  app.commands.addCommand(OPEN_WORKFLOW_COMMAND, {
    label: 'Open Workflow',
    caption: 'Open the workflow definition in the editor (each save a new version)',
    execute: args => open(String(args.workflowId))
  });
}
