import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';
import { CURSOR_DESCRIPTION, IsCursor } from '../../common/cursor-param.js';
import { MEMBERSHIP_STATUSES, SCOPES, Scope, type MembershipStatus } from '../membership.constants.js';
import { IsSafeInt } from '../../common/safe-int.decorator.js';
import { booleanFromQuery, idFromQuery, intFromQuery } from './query-values.js';

export const LIVE_INVITATION_STATES = ['pending', 'expired'] as const;
export type LiveInvitationState = (typeof LIVE_INVITATION_STATES)[number];

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

/** Filters and keyset pagination shared by every membership list. */
export class ListMembershipsQueryDto {
  @ApiPropertyOptional({
    description: '`invited` lists pending invitations, `active` lists members; both when absent',
    enum: MEMBERSHIP_STATUSES,
    example: 'active',
  })
  @IsOptional()
  @IsIn(MEMBERSHIP_STATUSES)
  status?: MembershipStatus;

  @ApiPropertyOptional({
    description:
      'Pending invitations only: `pending` (not yet expired) or `expired` (past their expiry, not yet resent or replaced)',
    enum: LIVE_INVITATION_STATES,
    example: 'expired',
  })
  @IsOptional()
  @IsIn(LIVE_INVITATION_STATES)
  state?: LiveInvitationState;

  @ApiPropertyOptional({
    description: 'Only invitations sent by this user (id)',
    type: 'integer',
    minimum: Number.MIN_SAFE_INTEGER,
    maximum: Number.MAX_SAFE_INTEGER,
    example: 3,
  })
  @Transform(idFromQuery)
  @IsOptional()
  @IsSafeInt()
  invitedBy?: number;

  @ApiPropertyOptional({
    description: 'Role of the user in the organization: 1 = ADMIN, 2 = MEMBER',
    enum: SCOPES,
    type: 'integer',
    example: 1,
  })
  @Transform(intFromQuery)
  @IsOptional()
  @IsIn(SCOPES)
  scope?: Scope;

  @ApiPropertyOptional({
    description: "Case-insensitive prefix of the member's email (a whole address matches itself)",
    example: 'jane',
    maxLength: 250,
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(250)
  email?: string;

  @ApiPropertyOptional({
    description: 'Also list soft-deleted (removed, left, revoked, declined, expired) memberships',
    type: Boolean,
    default: false,
    example: false,
  })
  @Transform(booleanFromQuery)
  @IsOptional()
  @IsBoolean()
  includeDeleted?: boolean;

  @ApiPropertyOptional({
    description: `Page size, 1 to ${MAX_PAGE_SIZE}`,
    type: 'integer',
    minimum: 1,
    maximum: MAX_PAGE_SIZE,
    default: DEFAULT_PAGE_SIZE,
    example: 50,
  })
  @Transform(intFromQuery)
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit?: number;

  @ApiPropertyOptional({ description: CURSOR_DESCRIPTION, example: 'djE6NDI' })
  @IsOptional()
  @IsCursor()
  cursor?: string;
}
