import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Backoffice } from '../auth/auth.decorators.js';
import { ErrorBody } from '../common/error-body.js';
import { EventPageDto } from './dto/event-page.dto.js';
import { ListEventsQueryDto } from './dto/list-events-query.dto.js';
import { EventsService } from './events.service.js';

export const EVENT_EXAMPLE = {
  id: 1042,
  type: 'membership.updated',
  createdAt: '2024-12-09T14:23:00.000Z',
  organizationId: 1,
  data: {
    organizationId: 1,
    userId: 7,
    membershipId: 42,
    actorUserId: 3,
    before: { scope: 2, permissions: { group: 0, read: [1], manage: [] }, professionId: null, status: 'active' },
    after: { scope: 1, permissions: { group: 0, read: [1], manage: [] }, professionId: null, status: 'active' },
  },
};

@ApiTags('backoffice')
@Controller('users-organizations/v1/bo/events')
export class EventsController {
  constructor(private readonly events: EventsService) {}

  @Get()
  @Backoffice()
  @ApiOperation({
    summary: 'Read the events feed',
    description:
      'Every audited change as an event `{ id, type, createdAt, organizationId, data }`, oldest first. Read ' +
      "without `after` to start at the oldest event, then pass each answer's `nextCursor` as `after`: " +
      '`nextCursor` is never null (at the end it points after the last event), so a reader that stores it ' +
      'sees every event exactly once, including events of transactions that commit while it reads. An event ' +
      'appears once every transaction that began before it has ended, usually at once. Filters: `types` ' +
      '(comma-separated), `organizationId`. Pages of `limit` (default 100, at most 500). Needs the ' +
      'backoffice role.',
  })
  @ApiOkResponse({
    description: 'The next events (possibly none) and where to read next',
    type: EventPageDto,
    example: { data: [EVENT_EXAMPLE], nextCursor: 'ZTE6NzQ4OjEwNDI' },
  })
  @ApiBadRequestResponse({
    description: 'A filter, the limit or the cursor is invalid (VALIDATION_FAILED)',
    type: ErrorBody,
  })
  async listBoEvents(@Query() query: ListEventsQueryDto): Promise<EventPageDto> {
    return this.events.list(query);
  }
}
