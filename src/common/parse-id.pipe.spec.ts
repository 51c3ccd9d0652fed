import { BadRequestException, type ArgumentMetadata } from '@nestjs/common';
import { ParseIdPipe, ParseOptionalIdPipe, parseId } from './parse-id.pipe.js';
import { createValidationPipe } from './validation.js';

const param = (data = 'userId'): ArgumentMetadata => ({ type: 'param', metatype: Number, data });
const query = (data = 'organizationId'): ArgumentMetadata => ({ type: 'query', metatype: Number, data });

const REJECTED = [
  '1e3',
  '5.0',
  '+5',
  ' 7',
  '7 ',
  '9007199254740992',
  '9007199254740993',
  '-9007199254740992',
  '',
  '-',
  '0x10',
  '007',
  '1_000',
  '１２',
  'abc',
];

describe('parseId', () => {
  it.each<[string, number]>([
    ['-9007199254740991', -9007199254740991],
    ['9007199254740991', 9007199254740991],
    ['0', 0],
    ['42', 42],
    ['-1', -1],
  ])('accepts %p as %p', (value, expected) => {
    expect(parseId(value)).toBe(expected);
  });

  it.each(REJECTED)('refuses %p', (value) => {
    expect(parseId(value)).toBeUndefined();
  });

  it.each<unknown>([42, undefined, null, ['42'], { 0: '4' }])('refuses the non-string %p', (value) => {
    expect(parseId(value)).toBeUndefined();
  });
});

describe('ParseIdPipe', () => {
  const pipe = new ParseIdPipe();

  it('returns the number for a decimal id', () => {
    expect(pipe.transform('42', param())).toBe(42);
    expect(pipe.transform('-9007199254740991', param())).toBe(-9007199254740991);
    expect(pipe.transform('0', param())).toBe(0);
  });

  it.each(REJECTED)('answers %p with 400 VALIDATION_FAILED naming the parameter and its location', (value) => {
    let caught: unknown;
    try {
      pipe.transform(value, param('userId'));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(BadRequestException);
    const e = caught as BadRequestException;
    expect(e.getStatus()).toBe(400);
    expect(e.getResponse()).toEqual({
      error: expect.stringContaining('path.userId must be a decimal integer'),
      code: 'VALIDATION_FAILED',
      details: [{ path: 'path.userId', message: expect.any(String) }],
    });
  });

  it('names a query parameter as such', () => {
    expect(() => pipe.transform('1e3', query('organizationId'))).toThrow(
      expect.objectContaining({
        response: expect.objectContaining({
          code: 'VALIDATION_FAILED',
          details: [{ path: 'query.organizationId', message: expect.any(String) }],
        }),
      }),
    );
  });

  it('does not echo the offending value', () => {
    expect(() => pipe.transform('<script>', param())).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('<script>') }),
    );
  });
});

describe('ParseOptionalIdPipe', () => {
  const pipe = new ParseOptionalIdPipe();

  it('leaves an absent parameter undefined', () => {
    expect(pipe.transform(undefined, query())).toBeUndefined();
  });

  it('parses a present one strictly', () => {
    expect(pipe.transform('12', query())).toBe(12);
    expect(() => pipe.transform('', query())).toThrow(BadRequestException);
    expect(() => pipe.transform('1e3', query())).toThrow(BadRequestException);
    // ?organizationId=1&organizationId=2
    expect(() => pipe.transform(['1', '2'], query())).toThrow(BadRequestException);
  });
});

describe('behind the global validation pipe', () => {
  // The app's ValidationPipe runs first; it must hand the id over as the string it came as.
  const validation = createValidationPipe();
  const strict = new ParseIdPipe();
  const optional = new ParseOptionalIdPipe();

  it('accepts a valid path id', async () => {
    expect(strict.transform(await validation.transform('42', param()), param())).toBe(42);
  });

  it.each(['1e3', '5.0', '+5', ' 7', '9007199254740993'])('still refuses %p', async (value) => {
    const passed: unknown = await validation.transform(value, param());
    expect(passed).toBe(value);
    expect(() => strict.transform(passed, param())).toThrow(BadRequestException);
  });

  it('keeps an absent optional query parameter absent', async () => {
    expect(optional.transform(await validation.transform(undefined, query()), query())).toBeUndefined();
  });
});
