import { bearerTokenFrom } from './bearer.strategy.js';

const from = (authorization: unknown) => bearerTokenFrom({ headers: { authorization } });

describe('bearerTokenFrom', () => {
  it('takes the token of a Bearer header, whatever the scheme case', () => {
    expect(from('Bearer a.b.c')).toBe('a.b.c');
    expect(from('bearer a.b.c')).toBe('a.b.c');
    expect(from('BEARER  a.b.c ')).toBe('a.b.c');
  });

  it('keeps a trailing word as part of the token, so the token no longer verifies', () => {
    expect(from('Bearer a.b.c extra')).toBe('a.b.c extra');
    expect(from('Bearer a.b.c a.b.c')).toBe('a.b.c a.b.c');
  });

  it.each([
    undefined,
    '',
    'Bearer',
    'Bearer ',
    'Bearer   ',
    'Basic dXNlcjpwYXNz',
    'a.b.c',
    'Bearera.b.c',
    ['Bearer a.b.c'],
  ])('finds no bearer token in %p', (header) => {
    expect(from(header)).toBeNull();
  });
});
