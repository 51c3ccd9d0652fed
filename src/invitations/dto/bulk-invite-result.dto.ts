import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ErrorDetail } from '../../common/error-body.js';
import { MembershipDataDto } from '../../memberships/dto/membership-data.dto.js';
import { InvitationLinkDto } from './invitation-link.dto.js';

/** What became of one item of a bulk invite. */
export class BulkInviteResultDto {
  @ApiProperty({ description: 'The item’s position in `invitations`, from 0', type: 'integer', example: 0 })
  index!: number;

  @ApiProperty({
    description: 'The item’s email as sent (null when it was not a string)',
    type: 'string',
    nullable: true,
    example: 'new.person@example.com',
  })
  email!: string | null;

  @ApiProperty({
    description:
      'The status the single invite would have answered: 201 created (or would be, in a dry run or a refused ' +
      'atomic bulk), 400 invalid or UNKNOWN_ROLE, 403 PERMISSION_ESCALATION or EMAIL_DOMAIN_NOT_ALLOWED, 409 already ' +
      'a member, pending, DUPLICATE_IN_REQUEST, SEAT_LIMIT_REACHED or PENDING_INVITATION_LIMIT',
    type: 'integer',
    enum: [201, 400, 403, 409],
    example: 201,
  })
  status!: number;

  @ApiPropertyOptional({
    description: 'The error code, when the item was refused',
    example: 'INVITATION_ALREADY_PENDING',
  })
  code?: string;

  @ApiPropertyOptional({
    description: 'Why the item was refused',
    example: 'This person already has a pending invitation',
  })
  error?: string;

  @ApiPropertyOptional({
    type: [ErrorDetail],
    description: 'Validation failures, with paths such as `invitations[3].email`',
  })
  details?: ErrorDetail[];

  @ApiPropertyOptional({
    type: MembershipDataDto,
    description: 'The invitation created (as createInviteUserOrganization answers it)',
  })
  data?: MembershipDataDto;

  @ApiPropertyOptional({ type: InvitationLinkDto, description: 'With sendEmail=false: the token and accept link' })
  invitation?: InvitationLinkDto;
}

export class BulkInviteSummaryDto {
  @ApiProperty({ description: 'Items created (or that would be)', type: 'integer', example: 2 })
  created!: number;

  @ApiProperty({ description: 'Items refused', type: 'integer', example: 1 })
  failed!: number;
}

export class BulkInviteResponseDto {
  @ApiProperty({ type: [BulkInviteResultDto], description: 'One result per item, in request order' })
  results!: BulkInviteResultDto[];

  @ApiProperty({ type: BulkInviteSummaryDto })
  summary!: BulkInviteSummaryDto;
}

/** 409 of an atomic bulk that could not create every item: the error body with the results. */
export class BulkInviteRefusedDto extends BulkInviteResponseDto {
  @ApiProperty({
    description: 'Human-readable message',
    example: 'Not every invitation could be created: nothing was written',
  })
  error!: string;

  @ApiProperty({ description: 'Stable machine-readable code', example: 'BULK_NOT_ATOMIC' })
  code!: string;

  @ApiProperty({
    description: 'The request id, also in the x-request-id header',
    example: '0f4c2a52-2c4e-4b8e-9a55-6c2c1bb4b1f3',
  })
  requestId!: string;
}
