/**
 * The server's problems with a script (validation on save, a formatter that
 * cannot parse it) as CodeMirror diagnostics at their line and column.
 */
import { Diagnostic } from '@codemirror/lint';
import { EditorView } from '@codemirror/view';

import { IFieldError } from './api';

/** Server field errors → CodeMirror diagnostics (errors without a line go on line 1); warnings: a save that went ahead. */
export function toDiagnostics(view: EditorView, errors: IFieldError[], source = 'Stella Script', severity: Diagnostic['severity'] = 'error'): Diagnostic[] {
  const doc = view.state.doc;
  return errors.map(error => {
    const lineNumber = Math.min(Math.max(error.line ?? 1, 1), doc.lines);
    const line = doc.line(lineNumber);
    const column = error.column ? Math.min(Math.max(error.column - 1, 0), line.length) : 0;
    const from = line.from + column;
    return {
      from,
      to: Math.max(line.to, from),
      severity,
      source,
      message: error.line ? error.message : `${error.field}: ${error.message}`
    };
  });
}
