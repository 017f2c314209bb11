/** The settings schema is found by the plugin's id, and its shortcuts name real commands. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';

import { CommandIDs, PLUGIN_ID } from '../src/tokens';

const repo = path.join(__dirname, '..', '..');
const manifest = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8'));

it("is schema/<plugin part of the id>.json under the package's name", () => {
  const [packageName, pluginName] = PLUGIN_ID.split(':');
  expect(packageName).toBe(manifest.name);
  expect(existsSync(path.join(repo, manifest.jupyterlab.schemaDir, `${pluginName}.json`))).toBe(true);
});

it('binds Shift+Alt+F to Format script in script editors, and only known commands', () => {
  const schema = JSON.parse(readFileSync(path.join(repo, manifest.jupyterlab.schemaDir, 'plugin.json'), 'utf8'));
  const shortcuts: { command: string; keys: string[]; selector: string }[] = schema['jupyter.lab.shortcuts'];
  expect(shortcuts).toContainEqual({ command: CommandIDs.format, keys: ['Alt Shift F'], selector: '.jp-StellaScript-editor' });
  const known: string[] = Object.values(CommandIDs);
  for (const shortcut of shortcuts) {
    expect(known).toContain(shortcut.command);
  }
});
