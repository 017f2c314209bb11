// Unit tests of the extension's pure helpers (labextension/tests), in Node:
// `npm test`, which tests/labextension/test_unit.py runs under pytest.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: new URL('.', import.meta.url).pathname,
    include: ['tests/**/*.test.ts'],
    environment: 'node'
  }
});
