/**
 * "Format script": the editor's text goes to the server's formatter
 * (POST /format) and comes back formatted. The result replaces only the part
 * that changed, in one CodeMirror transaction: one undo step, and the cursor
 * stays where it was relative to the text around it.
 */
import { setDiagnostics } from '@codemirror/lint';
import { EditorView } from '@codemirror/view';
import { Notification } from '@jupyterlab/apputils';

import { ApiError, errorText, IFieldError, IFormatRequest, IFormatResult, IWorkspaceFile, post } from './api';
import { toDiagnostics } from './editor-diagnostics';
import { errorPosition, minimalChange } from './text-change';

/** The part of a shared document's Y.UndoManager that formatting uses. */
export interface IUndoCapture {
  stopCapturing(): void;
}

/**
 * Format the script shown in `view`. Returns what happened, for the editor's
 * status line; problems are shown where they belong (a diagnostic at the
 * formatter's position, a notification for a missing formatter).
 */
export async function formatScript(view: EditorView, file: IWorkspaceFile, undo?: IUndoCapture | null): Promise<string> {
  const original = view.state.doc.toString();
  let result: IFormatResult;
  try {
    const body: IFormatRequest = { language: file.language, source: original, entry_point: file.entry_point };
    result = await post<IFormatResult>('format', body);
  } catch (error) {
    if (error instanceof ApiError && error.status === 422) {
      const position = errorPosition(error.message);
      const problem: IFieldError = { field: 'source', message: error.message, line: position?.line, column: position?.column };
      view.dispatch(setDiagnostics(view.state, toDiagnostics(view, [problem], 'formatter')));
      return 'Not formatted: the formatter cannot parse the script';
    }
    if (error instanceof ApiError && error.status === 503) {
      Notification.error(`Cannot format: ${error.message}`, { autoClose: false });
      return 'Not formatted: the formatter is not installed';
    }
    const message = errorText(error);
    Notification.error(`Cannot format the script: ${message}`, { autoClose: 8000 });
    return `Not formatted: ${message}`;
  }
  view.dispatch(setDiagnostics(view.state, []));
  if (view.state.doc.toString() !== original) {
    // Typed into while the formatter ran: applying its result would drop that.
    return 'Not formatted: the script changed while it was being formatted; format again';
  }
  const change = minimalChange(original, result.source);
  if (!change) {
    return 'Already formatted';
  }
  // The document's undo manager merges edits made within half a second into
  // one undo step: close the step before and after, so that undo takes back
  // exactly the formatting, not the typing just before it.
  undo?.stopCapturing();
  view.dispatch({ changes: change, userEvent: 'input.format', scrollIntoView: true });
  undo?.stopCapturing();
  return 'Formatted';
}
