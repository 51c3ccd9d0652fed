import { BadRequestException } from '@nestjs/common';
import { errorBody } from './error-body.js';

const MIN_PROPERTIES = Symbol('minProperties');

interface MinPropertiesRule {
  min: number;
  code: string;
  message: string;
}

/**
 * A body that must name at least `min` of its fields (a PATCH of nothing). Checked by the
 * global validation pipe with the other rules of the body, before any authorization or state
 * (so `{}` is a 400 whoever sends it), with its own code; stated in the document as
 * `minProperties`.
 */
export const MinProperties =
  (min: number, refusal: { code: string; message: string }): ClassDecorator =>
  (target) => {
    Reflect.defineMetadata(MIN_PROPERTIES, { min, ...refusal } satisfies MinPropertiesRule, target);
  };

export function minPropertiesOf(type: unknown): number | undefined {
  return typeof type === 'function'
    ? (Reflect.getMetadata(MIN_PROPERTIES, type) as MinPropertiesRule | undefined)?.min
    : undefined;
}

/** The validated body, or 400 when it names fewer fields than its class requires. */
export function refuseTooFewProperties<T>(value: T, type: unknown): T {
  const rule =
    typeof type === 'function'
      ? (Reflect.getMetadata(MIN_PROPERTIES, type) as MinPropertiesRule | undefined)
      : undefined;
  if (rule && value !== null && typeof value === 'object') {
    const present = Object.values(value).filter((v) => v !== undefined).length;
    if (present < rule.min) {
      throw new BadRequestException(errorBody(rule.message, rule.code));
    }
  }
  return value;
}
