import { IntersectionType } from '@nestjs/swagger';
import { ListMembershipsQueryDto } from './list-memberships-query.dto.js';
import { OrganizationQueryDto } from './organization-query.dto.js';

/** The admins' member list: the shared filters plus the organization to list. */
export class ListMembersQueryDto extends IntersectionType(ListMembershipsQueryDto, OrganizationQueryDto) {}
