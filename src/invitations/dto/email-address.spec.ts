import { performance } from 'node:perf_hooks';
import { EMAIL_PATTERN } from './email-address.js';

describe("the seed's email pattern", () => {
  it.each(['test@mail.com', "o'neil+tag_x-y.z@sub-domain.example.co", 'A@B.CD', '1@2.io'])('accepts %s', (email) => {
    expect(EMAIL_PATTERN.test(email)).toBe(true);
  });

  it.each([
    'someone@example',
    '.someone@example.com',
    'some..one@example.com',
    'someone.@example.com',
    'someone@example.c',
    'someone@-example.com',
    'some one@example.com',
    'someone@@example.com',
    '',
  ])('refuses %j', (email) => {
    expect(EMAIL_PATTERN.test(email)).toBe(false);
  });

  it('stays linear on long hostile inputs', () => {
    const inputs = [
      `${'a'.repeat(6000)}@`,
      `a@${'a-'.repeat(3000)}`,
      `${'a.'.repeat(3000)}@example.com!`,
      `a@${'a.'.repeat(3000)}1`,
    ];
    for (const input of inputs) {
      const started = performance.now();
      EMAIL_PATTERN.test(input);
      expect(performance.now() - started).toBeLessThan(200);
    }
  });
});
