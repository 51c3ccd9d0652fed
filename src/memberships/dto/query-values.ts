import type { TransformFnParams } from 'class-transformer';
import { parseId } from '../../common/parse-id.pipe.js';

/*
 * Query strings arrive as strings and implicit conversion is off (a JSON `"1"` is not the number 1),
 * so each typed query parameter converts itself, strictly: a value that is not exactly
 * what it should be stays a string and fails its validator with a 400.
 */

/** `"42"` → 42, within the safe integer range; nothing else converts. */
export const idFromQuery = ({ value }: TransformFnParams): unknown =>
  typeof value === 'string' ? (parseId(value) ?? value) : value;

const SMALL_INT = /^(?:0|[1-9][0-9]{0,8})$/;

/** `"50"` → 50; signs, decimals, exponents and blanks stay strings. */
export const intFromQuery = ({ value }: TransformFnParams): unknown =>
  typeof value === 'string' && SMALL_INT.test(value) ? Number(value) : value;

/** `"true"`/`"false"` only. */
export const booleanFromQuery = ({ value }: TransformFnParams): unknown =>
  value === 'true' ? true : value === 'false' ? false : value;
