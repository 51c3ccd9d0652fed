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

  it('finds a __proto__, constructor or prototype key, however it is written, with its path', () => {
    expect(scanJson('{"__proto__":{"admin":true}}', 32).reservedKey).toBe('__proto__');
    expect(scanJson('{"scope":2,"constructor":null}', 32).reservedKey).toBe('constructor');
    expect(scanJson('[{"prototype":{}}]', 32).reservedKey).toBe('[].prototype');
    expect(scanJson('{"permissions":{"\\u005f_proto__":1}}', 32).reservedKey).toBe('permissions.__proto__');
    expect(scanJson('{"a":"__proto__","b":["constructor"],"prototypes":1}', 32).reservedKey).toBeUndefined();
  });

  it.each(Object.getOwnPropertyNames(Object.prototype))(
    'finds a key named after Object.prototype.%s (class-transformer drops it silently)',
    (name) => {
      expect(scanJson(`{"permissions":{"group":0},${JSON.stringify(name)}:0}`, 32).reservedKey).toBe(name);
    },
  );

  it('lets keys that only resemble them through', () => {
    expect(scanJson('{"tostring":1,"toString_":2,"valueof":3,"hasOwnProperty ":4}', 32).reservedKey).toBeUndefined();
  });
});
