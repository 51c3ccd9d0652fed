import { registerDecorator, type ValidationOptions } from 'class-validator';
import { parseId } from '../../common/parse-id.pipe.js';

/** A string holding a decimal integer id in the safe range ("42"; not 42, "4.2e1" or "+42"). */
export function IsDecimalIdString(options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isDecimalIdString',
      target: target.constructor,
      propertyName,
      options: {
        message: `${propertyName} must be a string holding a decimal integer between -9007199254740991 and 9007199254740991`,
        ...options,
      },
      validator: { validate: (value: unknown) => parseId(value) !== undefined },
    });
}
