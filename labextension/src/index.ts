/**
 * Stella Script for JupyterLab: the script library in the left sidebar, scripts
 * edited as real files in JupyterLab's editor (each save a new version), a run
 * view with live output and a version history with side-by-side diffs.
 */
import { ILayoutRestorer, JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { Dialog, ICommandPalette, MainAreaWidget, Notification, showDialog } from '@jupyterlab/apputils';
import { IEditorLanguageRegistry } from '@jupyterlab/codemirror';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { fileIcon, LabIcon } from '@jupyterlab/ui-components';
import { Widget } from '@lumino/widgets';

import { ApiError, ICheckout, ILanguage, IScript, ISample, ITemplate, post, request } from './api';
import { el, select } from './dom';
import { ScriptEditorExtension } from './editor';
import { HistoryView } from './history';
import { lspProgressPlugin } from './lsp-progress';
import { LibraryPanel } from './panel';
import { RunView } from './run';

const ICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path class="jp-icon3" fill="#616161" d="M12 2l2.9 6.3 6.9.7-5.2 4.6 1.5 6.8L12 17l-6.1 3.4 1.5-6.8L2.2 9l6.9-.7z"/></svg>`;
export const stellaIcon = new LabIcon({ name: 'stellascript:icon', svgstr: ICON_SVG });

const FORMAT_COMMAND = 'stellascript:format';

/** File types JupyterLab does not know by itself, so scripts get icons and a language. */
const FILE_TYPES = [
  { name: 'go', displayName: 'Go', extensions: ['.go'], mimeTypes: ['text/x-go'] },
  { name: 'java', displayName: 'Java', extensions: ['.java'], mimeTypes: ['text/x-java'] },
  { name: 'csharp', displayName: 'C#', extensions: ['.cs', '.csx'], mimeTypes: ['text/x-csharp'] },
  { name: 'typescript', displayName: 'TypeScript', extensions: ['.ts'], mimeTypes: ['application/typescript'] },
  { name: 'shell', displayName: 'Shell', extensions: ['.sh', '.bash'], mimeTypes: ['text/x-sh'] }
];

function errorText(error: unknown): string {
  if (error instanceof ApiError) {
    const details = error.errors.map(e => `${e.field}: ${e.message}`).filter(text => !error.message.includes(text.split(': ').slice(1).join(': ')));
    return [error.message, ...details].join('\n');
  }
  return String(error);
}

/** A dialog body made of labelled inputs. */
class FormBody extends Widget {
  constructor(fields: [string, HTMLElement][]) {
    super();
    this.addClass('jp-StellaScript-dialog');
    for (const [label, input] of fields) {
      this.node.append(el('label', {}, el('span', { text: label }), input));
    }
  }
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-stellascript:plugin',
  description: 'Stella Script: script library, editing, runs and version history',
  autoStart: true,
  requires: [IDocumentManager],
  optional: [ILayoutRestorer, IEditorLanguageRegistry, ICommandPalette],
  activate: async (
    app: JupyterFrontEnd,
    docManager: IDocumentManager,
    restorer: ILayoutRestorer | null,
    editorLanguages: IEditorLanguageRegistry | null,
    palette: ICommandPalette | null
  ) => {
    for (const fileType of FILE_TYPES) {
      if (!app.docRegistry.getFileType(fileType.name) && !app.docRegistry.getFileTypesForPath(`x${fileType.extensions[0]}`).length) {
        app.docRegistry.addFileType({ ...fileType, fileFormat: 'text', contentType: 'file', icon: fileIcon });
      }
    }
    const csharp = editorLanguages?.findByName('C#');
    if (editorLanguages && csharp?.load && !editorLanguages.findByExtension('csx')) {
      // C# scripts (.csx) are C# to the highlighter.
      editorLanguages.addLanguage({ name: 'C# script', displayName: 'C# script', mime: 'text/x-csharp-script', extensions: ['csx'], load: () => csharp.load!() });
    }

    let workspaceDir: string | null = null;
    let languages: ILanguage[] = [];

    const openScript = async (scriptId: string, version?: string, overwrite = false): Promise<void> => {
      try {
        const checkout = await post<ICheckout>('workspace/checkout', { script_id: scriptId, version, overwrite });
        const open = docManager.findWidget(checkout.path);
        const context = open ? docManager.contextForWidget(open) : undefined;
        if (checkout.wrote_file && context && !context.model.dirty) {
          // The file got a newer version on disk: show it, there is nothing unsaved to lose.
          await context.revert();
        } else if (checkout.wrote_file && context?.model.dirty) {
          Notification.warning(
            `${checkout.path} now holds version ${checkout.version} on disk; your unsaved edits are still in the editor, and saving will ask whether to overwrite it.`,
            { autoClose: 10000 }
          );
        }
        docManager.openOrReveal(checkout.path);
      } catch (error) {
        if (error instanceof ApiError && error.status === 409 && error.body.path) {
          const choice = await showDialog({
            title: 'Unsaved local changes',
            body: `${error.body.path} has changes that no version of the script holds. Keep them, or replace them with version ${version ?? 'latest'}?`,
            buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: 'Discard my changes' }), Dialog.okButton({ label: 'Keep my changes' })]
          });
          if (choice.button.label === 'Keep my changes') {
            docManager.openOrReveal(error.body.path);
          } else if (choice.button.label === 'Discard my changes') {
            await openScript(scriptId, version, true);
          }
          return;
        }
        Notification.error(`Cannot open the script: ${errorText(error)}`, { autoClose: 8000 });
      }
    };

    const openMain = (widget: Widget, id: string) => {
      const main = new MainAreaWidget({ content: widget });
      main.id = id;
      main.title.icon = stellaIcon;
      main.title.closable = true;
      widget.title.changed.connect(() => (main.title.label = widget.title.label));
      main.title.label = widget.title.label;
      app.shell.add(main, 'main');
      app.shell.activateById(main.id);
    };

    const runScript = (scriptId: string, version?: string) => {
      openMain(new RunView(scriptId, version, () => void panel.refresh()), `stellascript-run-${scriptId}-${Date.now()}`);
    };

    const showHistory = (scriptId: string) => {
      const existing = Array.from(app.shell.widgets('main')).find(widget => widget.id === `stellascript-history-${scriptId}`);
      if (existing) {
        ((existing as MainAreaWidget).content as HistoryView).refresh();
        app.shell.activateById(existing.id);
        return;
      }
      openMain(new HistoryView(scriptId, { open: (id, version) => void openScript(id, version), run: runScript }), `stellascript-history-${scriptId}`);
    };

    const languageChoice = () => select(languages.map(language => [language.name, language.display_name] as [string, string]), 'python');
    const visibilityChoice = () =>
      select(
        [
          ['private', 'Private'],
          ['team', 'Team'],
          ['organization', 'Organization'],
          ['public', 'Public']
        ],
        'private'
      );

    const createScript = async (body: Record<string, unknown>): Promise<void> => {
      try {
        const script = await post<IScript>('scripts', body);
        await panel.refresh();
        await openScript(script.id);
      } catch (error) {
        Notification.error(`Cannot create the script: ${errorText(error)}`, { autoClose: 10000 });
      }
    };

    const tagsOf = (text: string) => text.split(',').map(tag => tag.trim()).filter(Boolean);

    const panel = new LibraryPanel({
      open: script => void openScript(script.id),
      run: script => runScript(script.id),
      history: script => showHistory(script.id),
      create: async () => {
        const name = el('input', { className: 'jp-mod-styled jp-StellaScript-new-name', attrs: { placeholder: 'e.g. nightly-report' } });
        const language = languageChoice();
        language.classList.add('jp-StellaScript-new-language');
        const visibility = visibilityChoice();
        const tags = el('input', { className: 'jp-mod-styled', attrs: { placeholder: 'comma-separated' } });
        const result = await showDialog({
          title: 'New script',
          body: new FormBody([
            ['Name', name],
            ['Language', language],
            ['Visibility', visibility],
            ['Tags', tags]
          ]),
          focusNodeSelector: 'input',
          buttons: [Dialog.cancelButton(), Dialog.okButton({ label: 'Create' })]
        });
        if (!result.button.accept) {
          return;
        }
        let templates: ITemplate[];
        try {
          templates = (await request<{ items: ITemplate[] }>('templates')).items;
        } catch (error) {
          Notification.error(`Cannot read the templates: ${errorText(error)}`);
          return;
        }
        const template = templates.find(item => item.language === language.value);
        await createScript({
          name: name.value,
          language: language.value,
          content: template?.content ?? '',
          entry_point: template?.file,
          visibility: visibility.value,
          tags: tagsOf(tags.value)
        });
      },
      cloneSample: async () => {
        let samples: ISample[];
        try {
          samples = (await request<{ items: ISample[] }>('samples')).items;
        } catch (error) {
          Notification.error(`Cannot list the samples: ${errorText(error)}`);
          return;
        }
        const sample = select(samples.map((item, index) => [String(index), `${item.language}: ${item.file} — ${item.summary}`] as [string, string]), '0');
        const name = el('input', { className: 'jp-mod-styled', attrs: { placeholder: 'name of your copy' } });
        name.value = samples[0]?.name ?? '';
        sample.addEventListener('change', () => (name.value = samples[Number(sample.value)].name));
        const result = await showDialog({
          title: 'New script from a sample',
          body: new FormBody([
            ['Sample', sample],
            ['Name', name]
          ]),
          buttons: [Dialog.cancelButton(), Dialog.okButton({ label: 'Clone' })]
        });
        if (result.button.accept && samples.length) {
          const chosen = samples[Number(sample.value)];
          await createScript({ name: name.value, language: chosen.language, content: chosen.content, entry_point: chosen.file, tags: ['sample'] });
        }
      },
      remove: async script => {
        const result = await showDialog({
          title: 'Delete script',
          body: `Delete "${script.name}" (${script.language}, ${script.latest_version})? It can no longer be run; its past executions stay.`,
          buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: 'Delete' })]
        });
        if (!result.button.accept) {
          return false;
        }
        try {
          await request(`scripts/${script.id}`, { method: 'DELETE' });
          return true;
        } catch (error) {
          Notification.error(`Cannot delete the script: ${errorText(error)}`);
          return false;
        }
      }
    });
    panel.title.icon = stellaIcon;
    app.shell.add(panel, 'left', { rank: 650 });
    restorer?.add(panel, 'stellascript-library');

    const displayName = (language: string) => languages.find(item => item.name === language)?.display_name ?? language;
    const editorExtension = new ScriptEditorExtension(() => workspaceDir, runScript, displayName);
    editorExtension.saved.connect(() => void panel.refresh());
    app.docRegistry.addWidgetExtension('Editor', editorExtension);

    app.commands.addCommand('stellascript:open-library', {
      label: 'Stella Script: Show Script Library',
      execute: () => app.shell.activateById(panel.id)
    });
    app.commands.addCommand(FORMAT_COMMAND, {
      label: 'Stella Script: Format Script',
      caption: "Format the script in the current editor with its language's formatter",
      isEnabled: () => editorExtension.canFormat(app.shell.currentWidget),
      execute: async () => {
        if (!(await editorExtension.format(app.shell.currentWidget))) {
          Notification.info('Format script: open a Stella Script in the editor first (old versions are read only).', { autoClose: 5000 });
        }
      }
    });
    // Shift+Alt+F: free in JupyterLab and jupyterlab-lsp (VS Code's "Format Document").
    app.commands.addKeyBinding({ command: FORMAT_COMMAND, keys: ['Alt Shift F'], selector: '.jp-StellaScript-editor' });
    app.contextMenu.addItem({ command: FORMAT_COMMAND, selector: '.jp-StellaScript-editor .jp-FileEditor', rank: 0 });
    palette?.addItem({ command: FORMAT_COMMAND, category: 'Stella Script' });

    try {
      const [workspace, languageList] = await Promise.all([
        request<{ workspace_dir: string }>('workspace'),
        request<{ items: ILanguage[] }>('languages')
      ]);
      workspaceDir = workspace.workspace_dir;
      languages = languageList.items;
      panel.setLanguages(languages);
      await panel.refresh();
    } catch (error) {
      // Typically: the server extension is not enabled on this Jupyter server.
      panel.node.append(el('div', { className: 'jp-StellaScript-problem', text: `Stella Script is not available on this server: ${errorText(error)}` }));
    }
  }
};

export default [plugin, lspProgressPlugin];
