/**
 * What the extension knows about the server, apart from any widget: the
 * workspace folder scripts are checked out to, the languages, and the script
 * operations that change the library. Views listen to its signals instead of
 * being called by whoever changed something.
 */
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { ILanguage, ILanguageList, IScript, IScriptCreate, ISample, ISampleClone, ISampleList, ITemplate, ITemplateList, IWorkspace, post, request } from './api';

export class LibraryModel implements IDisposable {
  private _workspaceDir: string | null = null;
  private _languages: readonly ILanguage[] = [];
  private _isDisposed = false;
  private readonly _languagesChanged = new Signal<this, readonly ILanguage[]>(this);
  private readonly _scriptsChanged = new Signal<this, void>(this);

  /** The folder (relative to JupyterLab's root) scripts are edited in; null until `load` answered. */
  get workspaceDir(): string | null {
    return this._workspaceDir;
  }

  get languages(): readonly ILanguage[] {
    return this._languages;
  }

  /** The server's languages arrived. */
  get languagesChanged(): ISignal<this, readonly ILanguage[]> {
    return this._languagesChanged;
  }

  /** A script was created, deleted, saved as a new version or run: lists of scripts are out of date. */
  get scriptsChanged(): ISignal<this, void> {
    return this._scriptsChanged;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Ask the server for the workspace folder and the languages (an ApiError when the server extension is missing). */
  async load(): Promise<void> {
    const [workspace, languages] = await Promise.all([request<IWorkspace>('workspace'), request<ILanguageList>('languages')]);
    this._workspaceDir = workspace.workspace_dir;
    this._languages = languages.items;
    this._languagesChanged.emit(this._languages);
  }

  /** A language's name for people ("C#" for csharp); the name itself when the server did not say. */
  displayName(language: string): string {
    return this._languages.find(item => item.name === language)?.display_name ?? language;
  }

  /** The language's one line that reads /scripts/args.json. */
  readArguments(language: string): string | undefined {
    return this._languages.find(item => item.name === language)?.read_arguments;
  }

    defaultTimeout(language: string): number | undefined {
    return this._languages.find(item => item.name === language)?.default_timeout;
  }

  async createScript(body: IScriptCreate): Promise<IScript> {
    const script = await post<IScript>('scripts', body);
    this._scriptsChanged.emit();
    return script;
  }

  async deleteScript(scriptId: string): Promise<void> {
    await request(`scripts/${scriptId}`, { method: 'DELETE' });
    this._scriptsChanged.emit();
  }

  /** Tell the views that scripts changed elsewhere (an editor saved a version, a run ended). */
  notifyScriptsChanged(): void {
    this._scriptsChanged.emit();
  }

  async templates(): Promise<ITemplate[]> {
    return (await request<ITemplateList>('templates')).items;
  }

  async samples(): Promise<ISample[]> {
    return (await request<ISampleList>('scripts/samples')).items;
  }

  /** A new script of the caller's from a sample (content, dependencies, parameters, description, tags). */
  async cloneSample(sampleId: string, body: ISampleClone): Promise<IScript> {
    const script = await post<IScript>(`scripts/samples/${encodeURIComponent(sampleId)}/clone`, body);
    this._scriptsChanged.emit();
    return script;
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    Signal.clearData(this);
  }
}
