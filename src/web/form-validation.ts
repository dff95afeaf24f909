import { ValidateBy, validate, type ValidationOptions } from 'class-validator';

/** The first problem of each invalid form field, by field name; empty when the form is valid. */
export type FieldErrors = Record<string, string>;

/** Checks a form object's class-validator rules and returns one message per invalid field. */
export async function validateForm(form: object): Promise<FieldErrors> {
  const errors = await validate(form, { forbidUnknownValues: true, stopAtFirstError: true });
  const fieldErrors: FieldErrors = {};

  for (const error of errors) {
    const [message] = Object.values(error.constraints ?? {});
    fieldErrors[error.property] = message ?? `${error.property} is invalid.`;
  }

  return fieldErrors;
}

export function hasFieldErrors(errors: FieldErrors): boolean {
  return Object.keys(errors).length > 0;
}

/** Accepts a value that differs from another property of the same form, as a new password must. */
export function DiffersFromProperty(property: string, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'differsFromProperty',
      constraints: [property],
      validator: {
        validate: (value, args) => value !== (args?.object as Record<string, unknown>)[property],
        defaultMessage: () => `must differ from ${property}.`,
      },
    },
    options,
  );
}

/** Accepts a value equal to another property of the same form, as a confirmation field must be. */
export function MatchesProperty(property: string, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'matchesProperty',
      constraints: [property],
      validator: {
        validate: (value, args) => value === (args?.object as Record<string, unknown>)[property],
        defaultMessage: () => `must match ${property}.`,
      },
    },
    options,
  );
}
