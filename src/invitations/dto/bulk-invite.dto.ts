import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsObject, ValidateIf } from 'class-validator';
import type { LargeBodyRoute } from '../../common/json-body.js';
import { MAX_PERMISSION_IDS } from '../../memberships/dto/permissions.dto.js';
import { EMAIL_MAX_LENGTH } from './email-address.js';

export const MAX_BULK_INVITATIONS = 100;

/**
 * The bulk route's body limit: exactly what 100 maximal items need as compact JSON (the
 * longest email, every permission list full of the longest ids, every optional field), and no
 * more. Every other route keeps the global limit.
 */
export const BULK_INVITE_BODY: LargeBodyRoute = (() => {
  const id = -Number.MAX_SAFE_INTEGER;
  const ids = Array.from({ length: MAX_PERMISSION_IDS }, () => id);
  const item = {
    email: `${'a'.repeat(EMAIL_MAX_LENGTH - '@example.com'.length)}@example.com`,
    scope: 1,
    permissions: { group: id, read: ids, manage: ids },
    professionId: id,
  };
  const body = {
    invitations: Array.from({ length: MAX_BULK_INVITATIONS }, () => item),
    atomic: false,
    dryRun: false,
    sendEmail: false,
  };
  return { path: /\/users-organizations\/v1\/rs\/na\/[^/]+\/invitations\/bulk$/, limit: JSON.stringify(body).length };
})();

/**
 * Body of `createBulkInviteUserOrganization`. Only the envelope is validated here: each item
 * is judged alone, as the single invite would judge it, and answered in its own result.
 */
export class BulkInviteDto {
  @ApiProperty({
    // Items are not refused with the request: each is judged alone and answered in its own
    // result (400 with details under invitations[i]), so the envelope only says they are objects.
    type: 'array',
    items: { type: 'object', additionalProperties: true },
    minItems: 1,
    maxItems: MAX_BULK_INVITATIONS,
    description:
      `1 to ${MAX_BULK_INVITATIONS} invitations, each exactly the body of createInviteUserOrganization ` +
      '(email, scope, permissions, professionId?); an invalid item gets its own 400 result, the others go on',
    example: [{ email: 'ada@example.com', scope: 2, permissions: { group: 0, read: [1], manage: [] } }],
  })
  @IsArray()
  @IsObject({ each: true })
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_BULK_INVITATIONS)
  invitations!: unknown[];

  @ApiPropertyOptional({
    type: Boolean,
    default: false,
    description: 'All or nothing: 201 when every item is created, else 409 with the results and nothing written',
  })
  @ValidateIf((_o, value) => value !== undefined)
  @IsBoolean()
  atomic?: boolean;

  @ApiPropertyOptional({
    type: Boolean,
    default: false,
    description: 'Judge every item and answer as for real, but write nothing, queue no mail and audit nothing',
  })
  @ValidateIf((_o, value) => value !== undefined)
  @IsBoolean()
  dryRun?: boolean;

  @ApiPropertyOptional({
    type: Boolean,
    default: true,
    description:
      'false: queue no invitation email; each created item’s result then carries `invitation` with its token ' +
      'and accept link, the only time they are shown',
  })
  @ValidateIf((_o, value) => value !== undefined)
  @IsBoolean()
  sendEmail?: boolean;
}
