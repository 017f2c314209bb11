import { describe, expect, it } from 'vitest';

import { ApiError, errorText } from '../src/errors';

describe('errorText', () => {
  it("gives an API error's message", () => {
    expect(errorText(new ApiError(404, 'no script abc'))).toBe('no script abc');
  });

  it('adds the field errors the message does not already say', () => {
    const error = new ApiError(400, 'invalid request', [
      { field: 'timeout', message: 'timeout must be a positive number' },
      { field: 'network_mode', message: 'network_mode must be one of none, bridge, host' }
    ]);
    expect(errorText(error)).toBe('invalid request\ntimeout: timeout must be a positive number\nnetwork_mode: network_mode must be one of none, bridge, host');
  });

  it('does not repeat field errors the message already joins (the server joins them with "; ")', () => {
    const error = new ApiError(400, 'name is required; timeout must be a positive number', [
      { field: 'name', message: 'name is required' },
      { field: 'timeout', message: 'timeout must be a positive number' }
    ]);
    expect(errorText(error)).toBe('name is required; timeout must be a positive number');
  });

  it('prints any other error as it prints', () => {
    expect(errorText(new TypeError('Failed to fetch'))).toBe('TypeError: Failed to fetch');
    expect(errorText('plain')).toBe('plain');
  });
});
