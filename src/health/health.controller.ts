import { setTimeout as sleep } from 'node:timers/promises';
import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { Public } from '../auth/auth.decorators.js';
import { CommonErrorCode } from '../common/error-codes.js';
import { ErrorBody, errorBody } from '../common/error-body.js';
import { ShutdownState } from './shutdown-state.js';

/** How long readiness waits for the database's answer to `SELECT 1`. */
const PING_TIMEOUT_MS = 1000;

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly dataSource: DataSource,
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
    if (!(await this.databaseAnswers())) {
      throw new ServiceUnavailableException(errorBody('The database is not reachable', CommonErrorCode.NOT_READY));
    }
    return { status: 'ok', info: { database: { status: 'up' } } };
  }

  /** `SELECT 1` answered within the timeout (a frozen database must not hold the probe). */
  private async databaseAnswers(): Promise<boolean> {
    const timeout = new AbortController();
    const ping = this.dataSource.query('SELECT 1').then(
      () => true,
      () => false,
    );
    try {
      return await Promise.race([ping, sleep(PING_TIMEOUT_MS, false, { signal: timeout.signal }).catch(() => false)]);
    } finally {
      timeout.abort();
    }
  }
}
