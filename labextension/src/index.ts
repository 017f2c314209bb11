/**
 * Stella Script for JupyterLab: the script library in the left sidebar, scripts
 * edited as real files in JupyterLab's editor (each save a new version), a run
 * view with live output and a version history with side-by-side diffs.
 *
 * The plugin only wires the parts together: the state is in model.ts, the
 * actions in commands.ts, the views in panel.ts, run.ts, history.ts, editor.ts.
 */
import { ILayoutRestorer, JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { ILauncher } from '@jupyterlab/launcher';
import { IEditorLanguageRegistry } from '@jupyterlab/codemirror';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { DocumentRegistry } from '@jupyterlab/docregistry';
import { fileIcon, LabIcon } from '@jupyterlab/ui-components';

import { errorText, ILanguage, IScript } from './api';
import { addCommands } from './commands';
import { ScriptEditorExtension } from './editor';
import { lspProgressPlugin } from './lsp-progress';
import { LibraryModel } from './model';
import { LibraryPanel } from './panel';
import { CommandIDs, PLUGIN_ID } from './tokens';
import { addSchedulesCommand, SCHEDULES_COMMAND } from './schedules';
import { addWorkflowEditing, OPEN_WORKFLOW_COMMAND } from './workflow-editor';
import { addWorkflowsCommand, RUN_WORKFLOW_COMMAND } from './workflows';

const ICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path class="jp-icon3" fill="#616161" d="M12 2l2.9 6.3 6.9.7-5.2 4.6 1.5 6.8L12 17l-6.1 3.4 1.5-6.8L2.2 9l6.9-.7z"/></svg>`;
export const stellaIcon = new LabIcon({ name: 'stellascript:icon', svgstr: ICON_SVG });

/**
 * The server's languages as file types, for those JupyterLab does not know by
 * itself, so scripts get icons and a language. The list comes from GET
 * languages (each language's profile on the server): adding a language needs
 * nothing here.
 */
function registerFileTypes(docRegistry: DocumentRegistry, languages: readonly ILanguage[]): void {
  for (const { file_type: fileType } of languages) {
    const [first] = fileType.extensions;
    if (docRegistry.getFileType(fileType.name) || (first && docRegistry.getFileTypesForPath(`x${first}`).length)) {
      continue;
    }
    docRegistry.addFileType({
      name: fileType.name,
      displayName: fileType.display_name,
      extensions: fileType.extensions,
      mimeTypes: fileType.mime_types,
      fileFormat: 'text',
      contentType: 'file',
      icon: fileIcon
    });
  }
}

function registerCSharpScriptHighlighting(editorLanguages: IEditorLanguageRegistry | null): void {
  const csharp = editorLanguages?.findByName('C#');
  if (editorLanguages && csharp?.load && !editorLanguages.findByExtension('csx')) {
    // C# scripts (.csx) are C# to the highlighter.
    editorLanguages.addLanguage({ name: 'C# script', displayName: 'C# script', mime: 'text/x-csharp-script', extensions: ['csx'], load: () => csharp.load!() });
  }
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'Stella Script: script library, editing, runs and version history',
  autoStart: true,
  requires: [IDocumentManager],
  optional: [ILayoutRestorer, IEditorLanguageRegistry, ICommandPalette, ILauncher],
  activate: async (
    app: JupyterFrontEnd,
    docManager: IDocumentManager,
    restorer: ILayoutRestorer | null,
    editorLanguages: IEditorLanguageRegistry | null,
    palette: ICommandPalette | null,
    launcher: ILauncher | null
  ) => {
    registerCSharpScriptHighlighting(editorLanguages);
    const model = new LibraryModel();
    const execute = (command: string, script: IScript, extra: Record<string, string> = {}) =>
      void app.commands.execute(command, { scriptId: script.id, ...extra });

    const panel = new LibraryPanel(model, {
      open: script => execute(CommandIDs.openScript, script),
      run: script => execute(CommandIDs.runScript, script),
      history: script => execute(CommandIDs.showHistory, script),
      remove: script => execute(CommandIDs.deleteScript, script, { name: script.name, language: script.language, latest_version: script.latest_version }),
      create: () => void app.commands.execute(CommandIDs.newScript),
      cloneSample: () => void app.commands.execute(CommandIDs.cloneSample),
      executions: () => void app.commands.execute(CommandIDs.openExecutions),
      schedules: () => void app.commands.execute(SCHEDULES_COMMAND),
      openWorkflow: workflow => void app.commands.execute(OPEN_WORKFLOW_COMMAND, { workflowId: workflow.id }),
      runWorkflow: workflow => void app.commands.execute(RUN_WORKFLOW_COMMAND, { workflowId: workflow.id })
    });
    panel.title.icon = stellaIcon;
    app.shell.add(panel, 'left', { rank: 650 });
    restorer?.add(panel, 'stellascript-library');

    const editorExtension = new ScriptEditorExtension(model, (scriptId, version) => void app.commands.execute(CommandIDs.runScript, { scriptId, ...(version ? { version } : {}) }));
    app.docRegistry.addWidgetExtension('Editor', editorExtension);
    addCommands({ app, docManager, model, editorExtension, libraryId: panel.id, icon: stellaIcon, palette });
    addWorkflowsCommand(app, palette);
    addSchedulesCommand(app, palette);
    addWorkflowEditing(app, docManager, model);
    // The Launcher's card: a new script from a language template.
    launcher?.add({ command: CommandIDs.newScript, category: 'Other', rank: 1, args: { isLauncher: true } });

    try {
      await model.load();
      registerFileTypes(app.docRegistry, model.languages);
      await panel.refresh();
    } catch (error) {
      // Typically: the server extension is not enabled on this Jupyter server.
      panel.showProblem(`Stella Script is not available on this server: ${errorText(error)}`);
    }
  }
};

export default [plugin, lspProgressPlugin];
