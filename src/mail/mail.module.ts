import { Module } from '@nestjs/common';
import type { AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { MailOutboxWorker } from './mail-outbox.worker.js';
import { MailSecretBox } from './mail-secret-box.js';
import { createMailTransport, MAIL_TRANSPORT } from './mail-transport.js';

/** The mail outbox's worker and what writers need to fill it (the secret box). */
@Module({
  providers: [
    {
      provide: MailSecretBox,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => new MailSecretBox(config.mail.secretKey, config.mail.previousSecretKeys),
    },
    { provide: MAIL_TRANSPORT, inject: [APP_CONFIG], useFactory: createMailTransport },
    MailOutboxWorker,
  ],
  exports: [MailSecretBox, MailOutboxWorker],
})
export class MailModule {}
