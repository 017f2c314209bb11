// Builds the prebuilt extension into jupyter_stellascript/labextension with
// @jupyterlab/builder against the JupyterLab that is installed (its staging
// folder is the "core"), so the build needs no network and always matches the
// JupyterLab it is installed with. Usage: node labextension/build.mjs [--development]
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

/** The Python that has JupyterLab: $PYTHON, else the one behind `jupyter` on PATH. */
function jupyterPython() {
  if (process.env.PYTHON) {
    return process.env.PYTHON;
  }
  for (const folder of (process.env.PATH || '').split(path.delimiter)) {
    const script = path.join(folder, 'jupyter');
    if (existsSync(script)) {
      const shebang = readFileSync(script, 'utf8').split('\n')[0];
      if (shebang.startsWith('#!')) {
        return shebang.slice(2).trim().split(/\s+/)[0];
      }
    }
  }
  throw new Error('cannot find JupyterLab: put its environment on PATH or set PYTHON');
}

const staging = execFileSync(
  jupyterPython(),
  ['-c', 'import jupyterlab, os; print(os.path.join(os.path.dirname(jupyterlab.__file__), "staging"))'],
  { encoding: 'utf8' }
).trim();
const builder = path.join(root, 'node_modules', '@jupyterlab', 'builder', 'lib', 'build-labextension.js');
const args = [builder, '--core-path', staging, ...process.argv.slice(2), root];
execFileSync(process.execPath, args, { stdio: 'inherit', cwd: root });
