import { Controller, Get, Inject, NotFoundException, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Public } from '../auth/auth.decorators.js';
import type { AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { INVITATION_TOKEN_PATTERN } from './dto/invitation-token.dto.js';
import { acceptPageStatus, renderAcceptPage, type AcceptPageContent } from './accept-page.js';
import { InvitationsService } from './invitations.service.js';
import { PreviewLimiter } from './preview-limiter.js';

/**
 * The page an invitation email links to by default (INVITATION_ACCEPT_URL), outside
 * API_PREFIX: HTML for a person, so it is not part of the API document, and every ending
 * (unknown link, ended invitation, too many requests) is a page too, never a JSON error.
 */
@ApiExcludeController()
@Controller()
export class AcceptPageController {
  private readonly acceptPath: string;

  constructor(
    private readonly invitations: InvitationsService,
    private readonly limiter: PreviewLimiter,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    const prefix = config.http.prefix ? `/${config.http.prefix}` : '';
    this.acceptPath = `${prefix}/users-organizations/v1/invitations/accept`;
  }

  @Get('invitations/accept')
  @Public()
  async acceptPage(@Query('token') token: unknown, @Req() req: Request, @Res() res: Response): Promise<void> {
    const content = await this.contentFor(token, req);
    res.status(acceptPageStatus(content));
    res.setHeader('Cache-Control', 'no-store');
    if (content.kind === 'limited') {
      res.setHeader('Retry-After', String(content.retryAfterSeconds));
    }
    res.type('html').send(renderAcceptPage(content));
  }

  private async contentFor(token: unknown, req: Request): Promise<AcceptPageContent> {
    const refusal = await this.limiter.hit(req);
    if (refusal) {
      const body = refusal.getResponse() as { retryAfterSeconds?: number };
      return { kind: 'limited', retryAfterSeconds: body.retryAfterSeconds ?? 60 };
    }
    if (typeof token !== 'string' || !INVITATION_TOKEN_PATTERN.test(token)) {
      return { kind: 'unknown' };
    }
    try {
      const { data } = await this.invitations.preview(token);
      return { kind: 'invitation', preview: data, token, acceptPath: this.acceptPath };
    } catch (error) {
      if (error instanceof NotFoundException) {
        return { kind: 'unknown' };
      }
      throw error;
    }
  }
}
