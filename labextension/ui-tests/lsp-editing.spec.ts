/**
 * Editing a checked-out script with the real language servers (jupyter-lsp +
 * jupyterlab-lsp: pyright, gopls) and the real formatters: completion widget,
 * an LSP diagnostic at its line, "Format script" (one undo step; a formatter
 * error at its position), the notice for a language without a server, and no
 * modal dialog from gopls's progress messages.
 *
 * Runs after library.spec.ts (file order; that spec starts from an empty
 * library) and deletes the scripts it creates.
 */
import { expect, Locator, Page, test } from '@playwright/test';
import path from 'path';

import { createScript, deleteScript, openLibrary, replaceEditorText, SCREENSHOTS } from './helpers';

const editor = (page: Page) => page.locator('.jp-StellaScript-editor:visible');

async function openFromLibrary(page: Page, panel: Locator, name: string): Promise<void> {
  await panel.locator('.jp-StellaScript-refresh').click();
  await panel.locator(`.jp-StellaScript-row[data-script-name="${name}"] .jp-StellaScript-open`).click();
  await expect(page.locator('.jp-StellaScript-editor-label:visible')).toHaveText(`${name} v1.0.0`);
}

/**
 * Put `text` in the editor and press Tab at its end until the completer lists
 * `item` (the language server may still be starting: the first tries can come
 * back empty).
 */
async function expectCompletion(page: Page, text: string, item: string): Promise<Locator> {
  const completer = page.locator('.jp-Completer');
  await expect(async () => {
    await page.keyboard.press('Escape');
    await replaceEditorText(page, text);
    await page.keyboard.press('Tab');
    await expect(completer).toBeVisible({ timeout: 5_000 });
    await expect(completer.locator('.jp-Completer-match', { hasText: new RegExp(`^${item}$`) }).first()).toBeVisible({ timeout: 5_000 });
  }).toPass({ timeout: 120_000, intervals: [1_000, 2_000, 3_000] });
  return completer;
}

test('completion, diagnostics and formatting in a Python script', async ({ page, request }) => {
  const id = await createScript(request, { name: 'lsp_python', language: 'python', content: 'print("hi")\n', entry_point: 'main.py' });
  try {
    const panel = await openLibrary(page);
    await openFromLibrary(page, panel, 'lsp_python');
    // Python has a server here: no notice.
    await expect(editor(page).locator('.jp-StellaScript-editor-lsp')).toHaveText('');

    // pyright's completions after `xs.` in jupyterlab-lsp's completer.
    const completer = await expectCompletion(page, 'xs = []\nxs.', 'append');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'completion.png') });
    await page.keyboard.press('Escape');
    await expect(completer).toBeHidden();

    // An undefined name: pyright's diagnostic at its line (line 2), not elsewhere.
    await replaceEditorText(page, 'xs = []\nprint(undefined_name)\n');
    const lines = editor(page).locator('.cm-line');
    // (The range covers the name once pyright has checked the new text; before, it marks the old `xs.`.)
    await expect(lines.nth(1).locator('.cm-lintRange-error')).toHaveText('undefined_name', { timeout: 60_000 });
    await expect(lines.nth(0).locator('.cm-lintRange-error')).toHaveCount(0);
    await lines.nth(1).locator('.cm-lintRange-error').hover();
    await expect(page.locator('.cm-tooltip-lint')).toContainText('"undefined_name" is not defined');

    // Format script (Shift+Alt+F): ruff's output, one undo step back.
    const messy = 'import os\nxs=[1,2 ,3]\ndef total( values ):\n  return sum( values )\nprint(total(xs))\n';
    await replaceEditorText(page, messy);
    await page.keyboard.press('Shift+Alt+F');
    await expect(editor(page).locator('.jp-StellaScript-editor-status')).toHaveText('Formatted');
    await expect(lines).toHaveText(['import os', '', 'xs = [1, 2, 3]', '', '', 'def total(values):', '    return sum(values)', '', '', 'print(total(xs))', '']);
    await page.keyboard.press('Control+z');
    await expect(lines).toHaveText(messy.split('\n'));
    // The toolbar button does the same; formatting twice changes nothing.
    await editor(page).locator('.jp-StellaScript-editor-format').click();
    await expect(lines.nth(2)).toHaveText('xs = [1, 2, 3]');
    await editor(page).locator('.jp-StellaScript-editor-format').click();
    await expect(editor(page).locator('.jp-StellaScript-editor-status')).toHaveText('Already formatted');

    // Unparsable: the formatter's message as a diagnostic at its line, the text untouched.
    await replaceEditorText(page, 'import os\n\ndef broken(:\n    pass\n');
    await page.keyboard.press('Shift+Alt+F');
    await expect(editor(page).locator('.jp-StellaScript-editor-status')).toHaveText('Not formatted: the formatter cannot parse the script');
    const marks = lines.nth(2).locator('.cm-lintRange-error');
    await expect(marks.first()).toBeVisible();
    // pyright marks the same line: hover each mark until the formatter's message shows (ruff points at column 12, the `:`).
    await expect(async () => {
      const tooltips: string[] = [];
      for (const mark of await marks.all()) {
        await page.mouse.move(0, 0);
        await mark.hover();
        const tooltip = page.locator('.cm-tooltip-lint');
        await tooltip.first().waitFor({ timeout: 2_000 });
        tooltips.push(...(await tooltip.allTextContents()));
      }
      expect(tooltips.join('\n')).toContain('ruff format could not format the script');
    }).toPass({ timeout: 30_000 });
    await expect(lines.nth(2)).toHaveText('def broken(:');
  } finally {
    await deleteScript(request, id);
  }
});

test('Go: completion from gopls without a blocking dialog; C# says it has no server', async ({ page, request }) => {
  const go = await createScript(request, { name: 'lsp_go', language: 'go', content: 'package main\n\nfunc main() {\n}\n', entry_point: 'main.go' });
  const csharp = await createScript(request, { name: 'lsp_csharp', language: 'csharp', content: 'System.Console.WriteLine("hi");\n', entry_point: 'main.csx' });
  try {
    const panel = await openLibrary(page);
    await openFromLibrary(page, panel, 'lsp_go');
    await expect(editor(page).locator('.jp-StellaScript-editor-lsp')).toHaveText('');
    await expectCompletion(page, 'package main\n\nimport "fmt"\n\nfunc main() {\n\tfmt.', 'Println');
    // gopls's "Loading packages…" and friends came as progress, not as a "Message from gopls" dialog.
    await expect(page.locator('.jp-Dialog')).toHaveCount(0);
    await page.keyboard.press('Escape');

    await openFromLibrary(page, panel, 'lsp_csharp');
    await expect(editor(page).locator('.jp-StellaScript-editor-lsp')).toHaveText('C#: no language server on this machine — formatting only');
    await expect(editor(page).locator('.jp-StellaScript-editor-lsp')).toHaveAttribute('title', /NuGet/);
    await expect(page.locator('.jp-Dialog')).toHaveCount(0);
  } finally {
    await deleteScript(request, go);
    await deleteScript(request, csharp);
  }
});
