// The Run form's own checks say what the server would (parameters/values.py), before anything is sent.
import { describe, expect, it } from 'vitest';

import { describeParameters, parameterProblem } from '../src/arguments';
import type { IParameter } from '../src/api';

const p = (fields: Partial<IParameter>): IParameter => ({ name: 'p', ...fields }) as IParameter;

describe('parameterProblem', () => {
  it.each([
    [p({ required: true }), '', 'required'],
    [p({}), '', ''],
    [p({ pattern: 'https?://.+' }), 'https://x', ''],
    [p({ pattern: 'https?://.+' }), 'xhttps://x', 'does not match the pattern https?://.+'],
    [p({ type: 'integer' }), '42', ''],
    [p({ type: 'integer' }), '4.5', 'expected an integer'],
    [p({ type: 'integer', minimum: 1 }), '0', 'less than the minimum 1'],
    [p({ type: 'number', maximum: 1 }), '1.5', 'greater than the maximum 1'],
    [p({ type: 'number' }), 'abc', 'expected a number'],
    [p({ type: 'number', required: true }), '', 'required'],
    [p({ type: 'json' }), '{"a": [1]}', ''],
    [p({ type: 'json' }), '{a: 1}', 'not JSON'],
    [p({ type: 'enum', values: ['fast', 'slow'] }), 'slow', ''],
    [p({ type: 'enum', values: ['fast', 'slow'] }), 'medium', 'not one of fast, slow'],
    [p({ type: 'secret' }), 'prod-db.v2', ''],
    [p({ type: 'secret' }), '../x', "not a secret's name"]
  ])('%o with %j', (parameter, text, problem) => {
    const found = parameterProblem(parameter, text);
    expect(problem ? found.startsWith(problem) : found).toBe(problem ? true : '');
  });
});

describe('describeParameters', () => {
  it('lists each parameter for a tooltip', () => {
    expect(describeParameters([p({ name: 'url', required: true, description: 'Endpoint' }), p({ name: 'n', type: 'integer', default: 2 })])).toBe(
      'Parameters:\n• url (string, required) — Endpoint\n• n (integer, default 2)'
    );
    expect(describeParameters([])).toBe('');
  });
});
