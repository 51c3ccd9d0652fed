import { Matches, type ValidationOptions } from 'class-validator';
import { SAFE_INTEGER_PATTERN } from '../../common/safe-integer.js';

/** A string holding a decimal integer id in the safe range ("42"; not 42, "4.2e1" or "+42"). */
export const IsDecimalIdString = (options?: ValidationOptions) =>
  Matches(SAFE_INTEGER_PATTERN, {
    message: ({ property }) =>
      `${property} must be a string holding a decimal integer between -9007199254740991 and 9007199254740991`,
    ...options,
  });
