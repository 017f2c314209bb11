/**
 * The extension's names that other parts refer to: the plugin id (its
 * settings schema is schema/plugin.json, found by this id) and the command
 * ids (the schema's shortcuts name them).
 */
export const PLUGIN_ID = 'jupyter-stellascript:plugin';

export namespace CommandIDs {
  export const openLibrary = 'stellascript:open-library';
  export const format = 'stellascript:format';
  export const openScript = 'stellascript:open-script';
  export const runScript = 'stellascript:run-script';
  export const showHistory = 'stellascript:show-history';
  export const newScript = 'stellascript:new-script';
  export const cloneSample = 'stellascript:clone-sample';
  export const deleteScript = 'stellascript:delete-script';
  export const runCurrent = 'stellascript:run-current-script';
  export const openExecutions = 'stellascript:open-executions';
}
