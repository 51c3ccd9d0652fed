import { Module } from '@nestjs/common';
import { RolePresets } from './role-presets.js';
import { RoleRepository } from './role.repository.js';

/** Role keys turned into grants, for every route that makes or changes a membership. */
@Module({
  providers: [RoleRepository, RolePresets],
  exports: [RoleRepository, RolePresets],
})
export class RolePresetsModule {}
