import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { Public } from '../auth/auth.decorators.js';
import { CommonErrorCode } from '../common/error-codes.js';
import { ErrorBody, errorBody } from '../common/error-body.js';
import { ShutdownState } from './shutdown-state.js';

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly shutdown: ShutdownState,
  ) {}

  @Get('live')
  @ApiOperation({
    operationId: 'getHealthLive',
    summary: 'Liveness: the process is up',
    description: 'Answers 200 while the process runs, whatever the database does. Needs no credentials.',
  })
  @ApiOkResponse({ description: 'The process is up', schema: { example: { status: 'ok' } } })
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({
    operationId: 'getHealthReady',
    summary: 'Readiness: the database answers',
    description:
      'Pings the database with a 1 s timeout. 503 when it does not answer, or while the instance is shutting down.',
  })
  @ApiOkResponse({ description: 'Ready', schema: { example: { status: 'ok', info: { database: { status: 'up' } } } } })
  @ApiServiceUnavailableResponse({ description: 'Not ready', type: ErrorBody })
  async ready() {
    if (this.shutdown.shuttingDown) {
      throw new ServiceUnavailableException(errorBody('The instance is shutting down', CommonErrorCode.NOT_READY));
    }
    try {
      const result = await this.health.check([() => this.db.pingCheck('database', { timeout: 1000 })]);
      return { status: result.status, info: result.info };
    } catch {
      throw new ServiceUnavailableException(errorBody('The database is not reachable', CommonErrorCode.NOT_READY));
    }
  }
}
