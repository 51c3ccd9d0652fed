import { ApiProperty } from '@nestjs/swagger';
import { LIVE_INVITATION_STATES, type LiveInvitationState } from './list-memberships-query.dto.js';
import { MemberDto } from './member.dto.js';

/** A membership as a list shows it: with where a pending invitation stands. */
export class MemberListItemDto extends MemberDto {
  @ApiProperty({
    description:
      'For a pending invitation (`status` invited, not deleted): `pending`, or `expired` once past `invitationExpiresAt`; null otherwise',
    // null listed among the values, as OpenAPI 3.0 requires for a nullable enum
    enum: [...LIVE_INVITATION_STATES, null],
    nullable: true,
    example: null,
  })
  state!: LiveInvitationState | null;
}

/** One page of memberships, oldest first. */
export class MemberPageDto {
  @ApiProperty({ type: [MemberListItemDto] })
  data!: MemberListItemDto[];

  @ApiProperty({
    description: 'Pass as `cursor` to get the next page; null on the last page',
    type: String,
    nullable: true,
    example: 'djE6NDI',
  })
  nextCursor!: string | null;
}
