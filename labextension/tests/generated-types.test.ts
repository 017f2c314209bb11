/**
 * src/generated/openapi.ts is openapi-typescript's output for the server's
 * openapi.json (`npm run generate:types`); the extension compiles against
 * it, so it must be exactly what the current openapi.json generates.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';

const repo = path.join(__dirname, '..', '..');

it('the committed API types are what openapi.json generates', () => {
  const scripts = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')).scripts;
  const command: string = scripts['generate:types'];
  const committedPath = /--output (\S+)/.exec(command)![1];
  const fresh = path.join(mkdtempSync(path.join(tmpdir(), 'stellascript-types-')), 'openapi.ts');
  // The same command as the npm script, into a scratch file.
  const [tool, ...args] = command.replace(committedPath, fresh).split(/\s+/);
  execFileSync(path.join(repo, 'node_modules', '.bin', tool), args, { cwd: repo, stdio: 'pipe' });
  expect(readFileSync(path.join(repo, committedPath), 'utf8'), 'run `npm run generate:types` and commit the result').toBe(readFileSync(fresh, 'utf8'));
}, 60_000);
