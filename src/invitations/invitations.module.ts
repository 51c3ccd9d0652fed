import { Module } from '@nestjs/common';
import { MailModule } from '../mail/mail.module.js';
import { MembershipsModule } from '../memberships/memberships.module.js';
import { AcceptPageController } from './accept-page.controller.js';
import { InvitationPreviewController } from './invitation-preview.controller.js';
import { InvitationsController } from './invitations.controller.js';
import { InvitationsService } from './invitations.service.js';
import { PreviewLimiter, PreviewRateLimitGuard } from './preview-limiter.js';

/** Invitations: the seed invite routes, the invitation lifecycle, the public preview and accept page. */
@Module({
  imports: [MailModule, MembershipsModule],
  controllers: [InvitationsController, InvitationPreviewController, AcceptPageController],
  providers: [InvitationsService, PreviewLimiter, PreviewRateLimitGuard],
})
export class InvitationsModule {}
