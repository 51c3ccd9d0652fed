import { Module } from '@nestjs/common';
import type { AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { WebhookDeliveryWorker } from './webhook-delivery.worker.js';
import { WebhookSecretBox } from './webhook-secret-box.js';
import { WebhooksController } from './webhooks.controller.js';
import { WebhooksService } from './webhooks.service.js';

@Module({
  controllers: [WebhooksController],
  providers: [
    WebhooksService,
    WebhookDeliveryWorker,
    {
      provide: WebhookSecretBox,
      // The one place the key for sealing webhook secrets comes from: derived for this use
      // from the session secret, which every instance shares and production requires.
      useFactory: (config: AppConfig) => new WebhookSecretBox(config.auth.sessionSecret),
      inject: [APP_CONFIG],
    },
  ],
  exports: [WebhookDeliveryWorker],
})
export class WebhooksModule {}
