import { ValidateBy, type ValidationArguments } from 'class-validator';

/** The name of the rule, by which the OpenAPI document finds it (openapi-rules.ts). */
export const INSTEAD_OF = 'insteadOf';

/**
 * A field that stands for other fields: never given with any of them (400). With `required`,
 * one style or the other must be there (the other fields then validate as required unless
 * this one is given: `@ValidateIf` on them). The document states both as schema rules.
 */
export const InsteadOf = (fields: readonly string[], options: { required: boolean }, message: string) =>
  ValidateBy({
    name: INSTEAD_OF,
    constraints: [fields, options.required],
    validator: {
      validate: (_value: unknown, args?: ValidationArguments) =>
        fields.every((field) => (args?.object as Record<string, unknown>)[field] === undefined),
      defaultMessage: () => message,
    },
  });

/** The JSON Schema form of an `InsteadOf` rule on `property`. */
export function insteadOfSchema(property: string, fields: readonly string[], required: boolean): object[] {
  const never = { not: { required: [property], anyOf: fields.map((f) => ({ required: [f] })) } };
  return required ? [never, { anyOf: [{ required: [property] }, { required: [...fields] }] }] : [never];
}
