import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Backoffice } from '../auth/auth.decorators.js';
import { ErrorBody } from '../common/error-body.js';
import { AuditQueryService } from './audit-query.service.js';
import { AuditEventPageDto } from './dto/audit-event-page.dto.js';
import { ListAuditEventsQueryDto } from './dto/list-audit-events-query.dto.js';

@ApiTags('backoffice')
@Controller('users-organizations/v1/bo/audit-events')
export class AuditController {
  constructor(private readonly auditQuery: AuditQueryService) {}

  @Get()
  @Backoffice()
  @ApiOperation({
    summary: 'Read the audit trail',
    description:
      'Every change to memberships and invitations: who (`actorUserId`, and `actorSessionHash`, a hash of the session id), what (`action`, ' +
      '`before` and `after` of scope, permissions, profession, status), about whom (`targetUserId`, ' +
      '`membershipId`), where (`organizationId`), when (`occurredAt`) and in which request (`requestId`). ' +
      'Newest first; filters combine with AND; `from` is inclusive, `to` exclusive. Pages of `limit` ' +
      '(default 50, at most 200); pass `nextCursor` back as `cursor` until it is null. The trail is ' +
      'append-only. Needs the backoffice role.',
  })
  @ApiOkResponse({
    description: 'One page of audit events',
    type: AuditEventPageDto,
    example: {
      data: [
        {
          id: 10,
          occurredAt: '2024-12-09T14:23:00.000Z',
          action: 'membership.updated',
          actorUserId: 3,
          actorSessionHash: '3f1c9a0e5b7d2c4a8e6f1b3d5c7a9e0f',
          organizationId: 1,
          targetUserId: 7,
          membershipId: 42,
          before: {
            scope: 2,
            permissions: { group: 0, read: [1], manage: [] },
            professionId: null,
            status: 'active',
            deletedAt: null,
          },
          after: {
            scope: 1,
            permissions: { group: 0, read: [1], manage: [] },
            professionId: null,
            status: 'active',
            deletedAt: null,
          },
          requestId: '0f4c2a52-2c4e-4b8e-9a55-6c2c1bb4b1f3',
        },
      ],
      nextCursor: null,
    },
  })
  @ApiBadRequestResponse({
    description: 'A filter is invalid: ids, action, date-times, from after to, limit or cursor (VALIDATION_FAILED)',
    type: ErrorBody,
  })
  async listBoAuditEvents(@Query() query: ListAuditEventsQueryDto): Promise<AuditEventPageDto> {
    return this.auditQuery.list(query);
  }
}
