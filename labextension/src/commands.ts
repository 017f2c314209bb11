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
import { askNewScript, askSample, askUnsavedChanges, confirmDelete, INewScriptChoice, ISampleChoice } from './dialogs';
import { ScriptEditorExtension } from './editor';
import { LibraryModel } from './model';
import { ExecutionCentre } from './executions';
import { ScriptSection, ScriptView } from './script-view';
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

  const openMain = <T extends Widget>(widget: T, id: string): MainAreaWidget<T> => {
    const main = new MainAreaWidget<T>({ content: widget });
    main.id = id;
    main.title.icon = context.icon;
    main.title.closable = true;
    const copyTitle = () => {
      main.title.label = widget.title.label;
      main.title.caption = widget.title.caption;
    };
    widget.title.changed.connect(copyTitle);
    copyTitle();
    app.shell.add(main, 'main');
    app.shell.activateById(main.id);
    return main;
  };

  /** The script's one main-area view (made on first use), showing ``section``. */
  const scriptViews = new Map<string, MainAreaWidget<ScriptView>>();
  const showScript = (scriptId: string, section: ScriptSection, version?: string) => {
    let main = scriptViews.get(scriptId);
    if (!main || main.isDisposed) {
      const view = new ScriptView(model, scriptId, {
        edit: (script, pinned) => void app.commands.execute(CommandIDs.openScript, { scriptId: script, ...(pinned ? { version: pinned } : {}) }),
        open: (script, pinned) => void app.commands.execute(CommandIDs.openScript, { scriptId: script, version: pinned }),
        run: (script, pinned) => void app.commands.execute(CommandIDs.runScript, { scriptId: script, version: pinned })
      });
      main = openMain(view, `stellascript-script-${scriptId}`);
      const shown = main;
      view.activated = () => app.shell.activateById(shown.id);
      scriptViews.set(scriptId, main);
      main.disposed.connect(() => scriptViews.delete(scriptId));
    }
    main.content.showSection(section, version);
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

  /** Create and open a script; a refused name (duplicate, name rule) is returned for asking again. */
  const createScript = async (body: IScriptCreate): Promise<string | null> => {
    try {
      const script = await model.createScript(body);
      await openScript({ scriptId: script.id });
    } catch (error) {
      const nameProblem = error instanceof ApiError && (error.body.field === 'name' || error.errors.some(problem => problem.field === 'name'));
      if (nameProblem) {
        return (error as ApiError).errors.find(problem => problem.field === 'name')?.message ?? (error as ApiError).message;
      }
      Notification.error(`Cannot create the script: ${errorText(error)}`, { autoClose: 10000 });
    }
    return null;
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
      showScript(scriptId, 'run', version);
    }
  });

  let centre: MainAreaWidget<ExecutionCentre> | null = null;
  app.commands.addCommand(CommandIDs.openExecutions, {
    label: 'Stella Script: Open Execution Centre',
    caption: 'Every execution you may see, across scripts',
    execute: () => {
      if (!centre || centre.isDisposed) {
        centre = openMain(
          new ExecutionCentre({
            editAndRun: record => {
              if (record.script_id) {
                showScript(record.script_id, 'run', record.script_version ?? undefined);
                scriptViews.get(record.script_id)?.content.runWith(record);
              }
            }
          }),
          'stellascript-executions-centre'
        );
      } else {
        void centre.content.refresh();
      }
      app.shell.activateById(centre.id);
    }
  });

  app.commands.addCommand(CommandIDs.runCurrent, {
    label: 'Stella Script: Run Current Script…',
    // Always enabled, so that the palette lists it: without a script in the editor it says what to do.
    caption: 'Open the run view of the script in the current editor',
    execute: () => {
      const script = editorExtension.scriptOf(app.shell.currentWidget);
      if (!script) {
        Notification.info('Run current script: open a Stella Script in the editor first.', { autoClose: 5000 });
        return;
      }
      showScript(script.scriptId, 'run', script.version);
    }
  });

  app.commands.addCommand(CommandIDs.showHistory, {
    label: 'Script History',
    caption: 'Versions and diffs',
    execute: args => showScript(scriptArgs(args).scriptId, 'history')
  });

  app.commands.addCommand(CommandIDs.newScript, {
    label: args => (args.isLauncher ? 'Stella Script' : 'Stella Script: New Script…'),
    icon: args => (args.isLauncher ? context.icon : undefined),
    caption: 'New script from a language template',
    execute: async () => {
      let choice: INewScriptChoice | null = null;
      let problem: string | null = '';
      while (problem !== null) {
        // A refused name asks again, with what was typed and why.
        choice = await askNewScript(model.languages, choice ?? undefined, problem);
        if (!choice) {
          return;
        }
        let template;
        try {
          template = (await model.templates()).find(item => item.language === choice!.language);
        } catch (error) {
          Notification.error(`Cannot read the templates: ${errorText(error)}`);
          return;
        }
        problem = await createScript({
          ...choice,
          language: choice.language as IScriptCreate['language'],
          description: '',
          content: template?.content ?? '',
          entry_point: template?.file
        });
      }
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
      let choice: ISampleChoice | null = null;
      let problem = '';
      for (;;) {
        // A refused name (a duplicate, the name rule) asks again, with the choice kept and why.
        choice = await askSample(samples, choice ?? undefined, problem);
        if (!choice) {
          return;
        }
        try {
          const script = await model.cloneSample(choice.sampleId, { name: choice.name || undefined, visibility: choice.visibility });
          await openScript({ scriptId: script.id });
          return;
        } catch (error) {
          const nameProblem = error instanceof ApiError && (error.status === 409 || error.errors.some(item => item.field === 'name'));
          if (!nameProblem) {
            Notification.error(`Cannot clone the sample: ${errorText(error)}`, { autoClose: 10000 });
            return;
          }
          problem = (error as ApiError).errors.find(item => item.field === 'name')?.message ?? (error as ApiError).message;
        }
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
  for (const command of [CommandIDs.newScript, CommandIDs.cloneSample, CommandIDs.openLibrary, CommandIDs.openExecutions, CommandIDs.runCurrent, CommandIDs.format]) {
    context.palette?.addItem({ command, category: 'Stella Script' });
  }
}
