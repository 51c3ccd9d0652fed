import { scanJson } from './json-scan.js';

describe('scanJson', () => {
  it('measures nesting depth', () => {
    expect(scanJson('1', 32).depth).toBe(0);
    expect(scanJson('{"a":[1,{"b":[]}]}', 32).depth).toBe(4);
  });

  it('stops early past the bound on hostile nesting', () => {
    const deep = '['.repeat(100000) + ']'.repeat(100000);
    expect(scanJson(deep, 32).depth).toBe(33);
  });

  it('finds a duplicated key with its path', () => {
    expect(scanJson('{"email":"a","email":"b"}', 32).duplicateKey).toBe('email');
    expect(scanJson('{"permissions":{"read":[1],"read":[2]}}', 32).duplicateKey).toBe('permissions.read');
  });

  it('compares decoded keys, so escapes cannot hide a duplicate', () => {
    expect(scanJson('{"scope":1,"\\u0073cope":2}', 32).duplicateKey).toBe('scope');
  });

  it('accepts the same key in sibling objects and keys that look like values', () => {
    expect(scanJson('[{"a":1},{"a":2}]', 32).duplicateKey).toBeUndefined();
    expect(scanJson('{"a":"b","b":"a","c":{"a":"}\\"{"}}', 32).duplicateKey).toBeUndefined();
  });
});
