// Stella Script's TypeScript compile, with tsc's own API (the runtime image's
// typescript package): node stellascript-tsc.js MODE NOTES_FILE <tsc options and file>.
//
// Syntax errors (and bad options) fail the compile, as they must: there is no
// program to run. Type errors do not, unless MODE is "error": like tsc itself
// (which emits despite type errors), Deno, Bun and tsx, the JavaScript is
// emitted and the type errors are written to NOTES_FILE (in the build, so a
// cached build reports them again), for the platform to show beside the run.
"use strict";
const fs = require("fs");
const ts = require("typescript");

const [mode, notesFile, ...args] = process.argv.slice(2);
const parsed = ts.parseCommandLine(args);
const host = { getCanonicalFileName: (name) => name, getCurrentDirectory: () => process.cwd(), getNewLine: () => "\n" };
const report = (diagnostics) => process.stderr.write(ts.formatDiagnostics(diagnostics, host));

if (parsed.errors.length) {
  report(parsed.errors);
  process.exit(1);
}
const program = ts.createProgram(parsed.fileNames, parsed.options);
const blocking = [...program.getOptionsDiagnostics(), ...program.getSyntacticDiagnostics()];
if (blocking.length) {
  report(blocking);
  process.exit(1);
}
const typeErrors = [...program.getGlobalDiagnostics(), ...program.getSemanticDiagnostics()]
  .filter((diagnostic) => diagnostic.category === ts.DiagnosticCategory.Error);
if (typeErrors.length && mode === "error") {
  report(typeErrors);
  process.exit(1);
}
const emitted = program.emit();
const emitErrors = emitted.diagnostics.filter((diagnostic) => diagnostic.category === ts.DiagnosticCategory.Error);
if (emitted.emitSkipped || emitErrors.length) {
  report(emitErrors);
  process.exit(1);
}
if (typeErrors.length) {
  fs.writeFileSync(notesFile, ts.formatDiagnostics(typeErrors, host));
}
