/**
 * The extension's commands. Everything a button, a menu, the palette or a
 * shortcut (schema/plugin.json) does goes through one of these, so each
 * action is written once; the widgets only say which command with which
 * script.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { ICommandPalette, MainAreaWidget, Notification } from '@jupyterlab/apputils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { LabIcon } from '@jupyterlab/ui-components';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import { Widget } from '@lumino/widgets';

import { ApiError, errorText, ICheckout, IScriptCreate, post } from './api';
import { askNewScript, askSample, askUnsavedChanges, confirmDelete } from './dialogs';
import { ScriptEditorExtension } from './editor';
import { HistoryView } from './history';
import { LibraryModel } from './model';
import { RunView } from './run';
import { CommandIDs } from './tokens';

export interface ICommandContext {
  app: JupyterFrontEnd;
  docManager: IDocumentManager;
  model: LibraryModel;
  editorExtension: ScriptEditorExtension;
  libraryId: string;
  icon: LabIcon;
  palette: ICommandPalette | null;
}

/** The arguments of the commands that act on one script (and maybe one of its versions). */
interface IScriptArgs {
  scriptId: string;
  version?: string;
}

function scriptArgs(args: ReadonlyPartialJSONObject): IScriptArgs {
  return { scriptId: String(args.scriptId), version: typeof args.version === 'string' ? args.version : undefined };
}

export function addCommands(context: ICommandContext): void {
  const { app, docManager, model, editorExtension } = context;

  const openMain = (widget: Widget, id: string) => {
    const main = new MainAreaWidget({ content: widget });
    main.id = id;
    main.title.icon = context.icon;
    main.title.closable = true;
    widget.title.changed.connect(() => (main.title.label = widget.title.label));
    main.title.label = widget.title.label;
    app.shell.add(main, 'main');
    app.shell.activateById(main.id);
  };

  /** Check the script out into the workspace folder and open it in the editor. */
  const openScript = async ({ scriptId, version }: IScriptArgs, overwrite = false): Promise<void> => {
    try {
      const checkout = await post<ICheckout>('workspace/checkout', { script_id: scriptId, version, overwrite });
      const open = docManager.findWidget(checkout.path);
      const documentContext = open ? docManager.contextForWidget(open) : undefined;
      if (checkout.wrote_file && documentContext && !documentContext.model.dirty) {
        // The file got a newer version on disk: show it, there is nothing unsaved to lose.
        await documentContext.revert();
      } else if (checkout.wrote_file && documentContext?.model.dirty) {
        Notification.warning(
          `${checkout.path} now holds version ${checkout.version} on disk; your unsaved edits are still in the editor, and saving will ask whether to overwrite it.`,
          { autoClose: 10000 }
        );
      }
      docManager.openOrReveal(checkout.path);
    } catch (error) {
      if (error instanceof ApiError && error.status === 409 && error.body.path) {
        const choice = await askUnsavedChanges(error.body.path, version);
        if (choice === 'keep') {
          docManager.openOrReveal(error.body.path);
        } else if (choice === 'discard') {
          await openScript({ scriptId, version }, true);
        }
        return;
      }
      Notification.error(`Cannot open the script: ${errorText(error)}`, { autoClose: 8000 });
    }
  };

  const createScript = async (body: IScriptCreate): Promise<void> => {
    try {
      const script = await model.createScript(body);
      await openScript({ scriptId: script.id });
    } catch (error) {
      Notification.error(`Cannot create the script: ${errorText(error)}`, { autoClose: 10000 });
    }
  };

  app.commands.addCommand(CommandIDs.openLibrary, {
    label: 'Stella Script: Show Script Library',
    execute: () => app.shell.activateById(context.libraryId)
  });

  app.commands.addCommand(CommandIDs.openScript, {
    label: 'Open Script',
    caption: 'Open the script in the editor (an old version read only)',
    execute: args => openScript(scriptArgs(args))
  });

  app.commands.addCommand(CommandIDs.runScript, {
    label: 'Run Script…',
    caption: 'Run with arguments',
    execute: args => {
      const { scriptId, version } = scriptArgs(args);
      openMain(new RunView(model, scriptId, version), `stellascript-run-${scriptId}-${Date.now()}`);
    }
  });

  app.commands.addCommand(CommandIDs.showHistory, {
    label: 'Script History',
    caption: 'Versions and diffs',
    execute: args => {
      const { scriptId } = scriptArgs(args);
      const id = `stellascript-history-${scriptId}`;
      const existing = Array.from(app.shell.widgets('main')).find(widget => widget.id === id);
      if (existing) {
        ((existing as MainAreaWidget).content as HistoryView).refresh();
        app.shell.activateById(existing.id);
        return;
      }
      const actions = {
        open: (script: string, version: string) => void app.commands.execute(CommandIDs.openScript, { scriptId: script, version }),
        run: (script: string, version: string) => void app.commands.execute(CommandIDs.runScript, { scriptId: script, version })
      };
      openMain(new HistoryView(scriptId, actions), id);
    }
  });

  app.commands.addCommand(CommandIDs.newScript, {
    label: 'Stella Script: New Script…',
    caption: 'New script from a language template',
    execute: async () => {
      const choice = await askNewScript(model.languages);
      if (!choice) {
        return;
      }
      let template;
      try {
        template = (await model.templates()).find(item => item.language === choice.language);
      } catch (error) {
        Notification.error(`Cannot read the templates: ${errorText(error)}`);
        return;
      }
      await createScript({
        ...choice,
        language: choice.language as IScriptCreate['language'],
        description: '',
        content: template?.content ?? '',
        entry_point: template?.file
      });
    }
  });

  app.commands.addCommand(CommandIDs.cloneSample, {
    label: 'Stella Script: New Script from a Sample…',
    caption: 'Clone one of the sample scripts',
    execute: async () => {
      let samples;
      try {
        samples = await model.samples();
      } catch (error) {
        Notification.error(`Cannot list the samples: ${errorText(error)}`);
        return;
      }
      const choice = await askSample(samples);
      if (choice) {
        const { sample, name } = choice;
        await createScript({ name, language: sample.language, content: sample.content, entry_point: sample.file, description: '', visibility: 'private', tags: ['sample'] });
      }
    }
  });

  app.commands.addCommand(CommandIDs.deleteScript, {
    label: 'Delete Script…',
    execute: async args => {
      const script = { name: String(args.name), language: String(args.language), latest_version: String(args.latest_version) };
      if (!(await confirmDelete(script))) {
        return;
      }
      try {
        await model.deleteScript(scriptArgs(args).scriptId);
      } catch (error) {
        Notification.error(`Cannot delete the script: ${errorText(error)}`);
      }
    }
  });

  app.commands.addCommand(CommandIDs.format, {
    label: 'Stella Script: Format Script',
    caption: "Format the script in the current editor with its language's formatter",
    isEnabled: () => editorExtension.canFormat(app.shell.currentWidget),
    execute: async () => {
      if (!(await editorExtension.format(app.shell.currentWidget))) {
        Notification.info('Format script: open a Stella Script in the editor first (old versions are read only).', { autoClose: 5000 });
      }
    }
  });
  // The shortcut (Shift+Alt+F by default) is in schema/plugin.json, so users can rebind it.
  app.contextMenu.addItem({ command: CommandIDs.format, selector: '.jp-StellaScript-editor .jp-FileEditor', rank: 0 });
  context.palette?.addItem({ command: CommandIDs.format, category: 'Stella Script' });
}
