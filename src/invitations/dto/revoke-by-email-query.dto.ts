import { ApiProperty, IntersectionType } from '@nestjs/swagger';
import { OrganizationQueryDto } from '../../memberships/dto/organization-query.dto.js';
import { EMAIL_MAX_LENGTH, EMAIL_PATTERN_SOURCE, IsInviteeEmail } from './email-address.js';

class InviteeEmailQueryDto {
  @ApiProperty({
    description: 'The invited address (compared after ASCII lower-casing)',
    maxLength: EMAIL_MAX_LENGTH,
    pattern: EMAIL_PATTERN_SOURCE,
    example: 'new.person@example.com',
  })
  @IsInviteeEmail()
  email!: string;
}

/** `?email=&organizationId=` of `deleteInviteUserOrganizationByEmail`. */
export class RevokeByEmailQueryDto extends IntersectionType(InviteeEmailQueryDto, OrganizationQueryDto) {}
