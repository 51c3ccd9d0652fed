import fc from 'fast-check';
import { SAFE_INTEGER_PATTERN } from './safe-integer.js';

const MAX = BigInt(Number.MAX_SAFE_INTEGER);

describe('SAFE_INTEGER_PATTERN', () => {
  it('takes exactly the decimal integers within ±(2^53-1)', () => {
    const near = fc.bigInt({ min: -MAX - 1000n, max: MAX + 1000n }).filter((n) => n < -MAX + 1000n || n > MAX - 1000n);
    fc.assert(
      fc.property(fc.oneof(fc.bigInt({ min: -(2n ** 60n), max: 2n ** 60n }), near), (n) => {
        expect(SAFE_INTEGER_PATTERN.test(n.toString())).toBe(n >= -MAX && n <= MAX);
      }),
      { numRuns: 5000 },
    );
  });

  it.each(['9007199254740991', '-9007199254740991', '0', '-0', '42'])('accepts %j', (value) => {
    expect(SAFE_INTEGER_PATTERN.test(value)).toBe(true);
  });

  it.each(['9007199254740992', '9999999999999999', '007', '+5', '1e3', '5.0', ' 7', '', '-', '１２'])(
    'refuses %j',
    (value) => {
      expect(SAFE_INTEGER_PATTERN.test(value)).toBe(false);
    },
  );
});
