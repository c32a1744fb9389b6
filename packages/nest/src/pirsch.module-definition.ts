import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { PirschModuleOptions } from './pirsch.types.js';

/**
 * The builder behind `PirschModule`: `forRoot(options)` and `forRootAsync({ useFactory, inject,
 * imports })`, global unless `isGlobal: false` is passed.
 */
export const {
  ConfigurableModuleClass: PirschConfigurableModule,
  MODULE_OPTIONS_TOKEN: PIRSCH_MODULE_OPTIONS,
  OPTIONS_TYPE: PIRSCH_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: PIRSCH_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<PirschModuleOptions>({ moduleName: 'Pirsch' })
  .setClassMethodName('forRoot')
  .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();

/** What `PirschModule.forRoot` takes: the module options plus `isGlobal` (default true). */
export type PirschModuleForRootOptions = typeof PIRSCH_OPTIONS_TYPE;
/** What `PirschModule.forRootAsync` takes: `useFactory`/`inject`/`imports` (or `useClass`/`useExisting`) plus `isGlobal`. */
export type PirschModuleAsyncOptions = typeof PIRSCH_ASYNC_OPTIONS_TYPE;
