import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsISO8601, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { CURSOR_DESCRIPTION, IsCursor } from '../../common/cursor-param.js';
import { IsSafeInt } from '../../common/safe-int.decorator.js';
import { idFromQuery, intFromQuery } from '../../memberships/dto/query-values.js';

export const DEFAULT_AUDIT_PAGE_SIZE = 50;
export const MAX_AUDIT_PAGE_SIZE = 200;

/** RFC 3339 date-time with a zone; linear (no nested quantifiers). */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}:\d{2})$/;
const ACTION = /^[a-z][a-z0-9_.]{0,63}$/;

const idProperty = (description: string) =>
  ApiPropertyOptional({
    description,
    type: 'integer',
    minimum: Number.MIN_SAFE_INTEGER,
    maximum: Number.MAX_SAFE_INTEGER,
    example: 1,
  });

/** Filters of the audit trail; every one optional, all of them combined with AND. */
export class ListAuditEventsQueryDto {
  @idProperty('Only events in this organization')
  @Transform(idFromQuery)
  @IsOptional()
  @IsSafeInt()
  organizationId?: number;

  @idProperty('Only events about this user (the member, invitee or registered user)')
  @Transform(idFromQuery)
  @IsOptional()
  @IsSafeInt()
  userId?: number;

  @idProperty('Only events caused by this user')
  @Transform(idFromQuery)
  @IsOptional()
  @IsSafeInt()
  actorUserId?: number;

  @ApiPropertyOptional({
    description:
      'Only this action, e.g. membership.registered, membership.updated, membership.removed, membership.left, ' +
      "membership.restored, or the invitation module's invitation.* actions",
    example: 'membership.updated',
    maxLength: 64,
  })
  @IsOptional()
  @IsString()
  @Matches(ACTION, { message: 'action must be lower-case letters, digits, dots and underscores' })
  action?: string;

  @ApiPropertyOptional({
    description: 'Only events at or after this instant (RFC 3339 date-time with a zone)',
    format: 'date-time',
    example: '2024-12-01T00:00:00Z',
  })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  @Matches(DATE_TIME, { message: 'from must be a date-time such as 2024-12-01T00:00:00Z' })
  @IsISO8601({ strict: true }, { message: 'from must be a valid date-time' })
  from?: string;

  @ApiPropertyOptional({
    description: 'Only events before this instant (exclusive; RFC 3339 date-time with a zone)',
    format: 'date-time',
    example: '2024-12-31T00:00:00Z',
  })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  @Matches(DATE_TIME, { message: 'to must be a date-time such as 2024-12-31T00:00:00Z' })
  @IsISO8601({ strict: true }, { message: 'to must be a valid date-time' })
  to?: string;

  @ApiPropertyOptional({
    description: `Page size, 1 to ${MAX_AUDIT_PAGE_SIZE}`,
    type: 'integer',
    minimum: 1,
    maximum: MAX_AUDIT_PAGE_SIZE,
    default: DEFAULT_AUDIT_PAGE_SIZE,
    example: 50,
  })
  @Transform(intFromQuery)
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_AUDIT_PAGE_SIZE)
  limit?: number;

  @ApiPropertyOptional({ description: CURSOR_DESCRIPTION, example: 'djE6MTA' })
  @IsOptional()
  @IsCursor()
  cursor?: string;
}
