import fc from 'fast-check';

/**
 * Request bodies as a small JSON tree that can say what JSON.stringify never would: repeated
 * keys and `__proto__` as a plain key (objects are entry lists), and raw number or nesting
 * text (`$raw`). Strings are written with JSON.stringify, so lone surrogates and NUL go out as
 * `\ud800` and `\u0000` escapes, as a hostile client would send them.
 */
export type Node = null | boolean | number | string | Node[] | { $raw: string } | { $entries: [string, Node][] };

export function emit(node: Node): string {
  if (node === null || typeof node === 'boolean' || typeof node === 'number' || typeof node === 'string') {
    return JSON.stringify(node);
  }
  if (Array.isArray(node)) {
    return `[${node.map(emit).join(',')}]`;
  }
  if ('$raw' in node) {
    return node.$raw;
  }
  return `{${node.$entries.map(([k, v]) => `${JSON.stringify(k)}:${emit(v)}`).join(',')}}`;
}

export const obj = (record: Record<string, Node>): Node => ({ $entries: Object.entries(record) });

/** A plain JS value (from a valid body) as a tree. */
export function toNode(value: unknown): Node {
  if (Array.isArray(value)) {
    return value.map(toNode);
  }
  if (typeof value === 'object' && value !== null) {
    return { $entries: Object.entries(value).map(([k, v]) => [k, toNode(v)]) };
  }
  return value as Node;
}

const SQL = [
  "'; DROP TABLE users; --",
  '1 OR 1=1',
  "' OR '1'='1",
  '1; SELECT pg_sleep(10)',
  '$$; DELETE FROM user_organizations; $$',
  "admin'--",
  '\\x27 UNION SELECT * FROM sessions --',
];
const SCRIPT = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  'javascript:alert(1)',
  '{{7*7}}',
  '${jndi:ldap://127.0.0.1/a}',
  '../../../../etc/passwd',
  '%00%0d%0a',
];

/** Strings a hostile client sends: NUL bytes, lone surrogates, 10k characters, SQL, script, control characters. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...SQL, ...SCRIPT),
  fc.constantFrom('\u0000', 'a\u0000b', '\ud800', '\udfff', 'x\ud83dy', '\u202e', '\ufeff', '\u0007\u001b[2J'),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc
    .integer({ min: 9_000, max: 11_000 })
    .chain((n) => fc.constantFrom('a', '\u00e9', '\u0000', '\ud800', '1').map((c) => c.repeat(n))),
  fc.string({ maxLength: 20 }),
);

/** Numbers as raw text: beyond 2^53, beyond double range, fractions, exponents, negative zero. */
export const hostileNumber: fc.Arbitrary<Node> = fc.oneof(
  fc
    .constantFrom(
      '1e308',
      '1e400',
      '-1e400',
      '9007199254740993',
      '-9007199254740993',
      '123456789012345678901234567890',
      '1.5',
      '-0',
      '0.0000001',
      '1E2',
      '2.0',
      '1e-400',
      `1${'0'.repeat(5000)}`,
    )
    .map((raw): Node => ({ $raw: raw })),
  fc.double().filter(Number.isFinite),
  fc.integer(),
);

/** Any JSON value of the wrong type or shape for a field. */
export const hostileValue: fc.Arbitrary<Node> = fc.oneof(
  { weight: 3, arbitrary: hostileNumber },
  { weight: 3, arbitrary: hostileString },
  { weight: 1, arbitrary: fc.constantFrom<Node>(null, true, false, [], { $entries: [] }, '1', '2', ' 2 ', 'admin') },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map(toNode) },
  {
    weight: 1,
    arbitrary: fc.constantFrom<Node>(
      {
        $entries: [
          ['0', 1],
          ['length', 1],
        ],
      },
      [[1]],
      [1, '2', null],
      { $entries: [['__proto__', { $entries: [['admin', true]] }]] },
    ),
  },
);

/** `depth` levels of arrays or objects around a value, written without recursion. */
export function nested(depth: number, kind: 'array' | 'object', inner = '1'): Node {
  return kind === 'array'
    ? { $raw: `${'['.repeat(depth)}${inner}${']'.repeat(depth)}` }
    : { $raw: `${'{"a":'.repeat(depth)}${inner}${'}'.repeat(depth)}` };
}

export const KEYS_TO_ADD = [
  '__proto__',
  'constructor',
  'prototype',
  'isAdmin',
  'userId',
  'organizationId',
  'status',
  'deletedAt',
  'id',
  '',
  ' scope',
  'Scope',
  'scope\u0000',
  "scope'--",
];
