import { applyDecorators, Injectable, Param, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import { ApiParam, ApiPropertyOptional } from '@nestjs/swagger';
import { invalidParameter } from '../../common/invalid-parameter.js';
import { IsString, Matches, ValidateIf } from 'class-validator';
import { InsteadOf } from '../../common/instead-of.decorator.js';
import { ROLE_KEY_PATTERN } from '../role-presets.js';

/** The grant fields a `roleKey` stands in for. */
export const ROLE_REPLACES = ['scope', 'permissions'] as const;

/**
 * `roleKey` on a body that also takes `scope` and `permissions`: a role of the organization
 * whose scope and permissions are copied into the membership. Giving it together with either
 * of them is refused (400): one style or the other. `required`: the body must give one style
 * (invite, register); a change may give neither.
 */
export const RoleKeyInsteadOfGrant = (options: { required: boolean }) =>
  applyDecorators(
    ApiPropertyOptional({
      description:
        'A role of the organization (built in: `admin`, `member`; or one of its custom roles): its scope and ' +
        'permissions are copied into the membership, which remembers the key. In place of `scope` + ' +
        '`permissions`, never with them; an unknown key is 400 UNKNOWN_ROLE.',
      example: 'member',
    }),
    ValidateIf((_o, value) => value !== undefined),
    IsString(),
    Matches(ROLE_KEY_PATTERN, { message: 'roleKey must be lower-case letters, digits and dashes (1 to 40)' }),
    InsteadOf(ROLE_REPLACES, options, 'roleKey replaces scope and permissions: give one or the other, not both'),
  );

/** `scope`/`permissions` are required unless a `roleKey` stands in for them. */
export const unlessRoleKey = (o: { roleKey?: string }, value: unknown): boolean =>
  o.roleKey === undefined || value !== undefined;

/** The `{roleKey}` path parameter: 400 VALIDATION_FAILED naming `path.roleKey` unless it is a key. */
@Injectable()
class RoleKeyPipe implements PipeTransform<unknown, string> {
  transform(value: unknown, metadata: ArgumentMetadata): string {
    if (typeof value !== 'string' || !ROLE_KEY_PATTERN.test(value)) {
      throw invalidParameter(
        'path',
        metadata.data ?? 'roleKey',
        'must be lower-case letters, digits and dashes (1 to 40)',
      );
    }
    return value;
  }
}

export const PathRoleKey = (): ParameterDecorator => Param('roleKey', RoleKeyPipe);

export const ApiPathRoleKey = () =>
  ApiParam({
    name: 'roleKey',
    description: 'The role key',
    required: true,
    schema: { type: 'string', pattern: ROLE_KEY_PATTERN.source, example: 'support' },
  });
