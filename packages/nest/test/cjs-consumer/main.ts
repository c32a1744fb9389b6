// A Nest app as users write it: TypeScript compiled by tsc to CommonJS, with emitted decorator
// metadata (Nest CLI defaults), loading the BUILT @pirsch-node/nest through require().
import 'reflect-metadata';
import { Controller, Get, Module, Post, Req } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { PirschModule, PirschService } from '@pirsch-node/nest';
import type { PirschRequest } from '@pirsch-node/nest';

@Controller()
class AppController {
  // Injected by its type, through the metadata tsc emits (no @Inject here, as many apps do).
  constructor(private readonly pirsch: PirschService) {}

  @Get()
  home(): string {
    return 'home';
  }

  @Post('signup')
  signup(@Req() req: PirschRequest): string {
    this.pirsch.event('Signup', req, { meta: { plan: 'pro' } });
    return 'ok';
  }
}

@Module({
  imports: [
    PirschModule.forRootAsync({
      useFactory: () => ({ baseUrl: process.env.PIRSCH_BASE_URL, accessKey: process.env.PIRSCH_ACCESS_KEY, flushIntervalMs: 60_000 }),
    }),
  ],
  controllers: [AppController],
})
class AppModule {}

async function main(): Promise<void> {
  const statuses: number[] = [];
  for (const platform of ['express', 'fastify'] as const) {
    const adapter = platform === 'express' ? new ExpressAdapter() : new FastifyAdapter();
    const app = await NestFactory.create(AppModule, adapter, { logger: ['error', 'warn'] });
    app.setGlobalPrefix('api');
    await app.listen(0, '127.0.0.1');
    const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    // A browser's user agent (bots are skipped), marked with the platform.
    const headers = { 'user-agent': `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36 cjs-consumer/${platform}` };
    statuses.push((await fetch(`${url}/api`, { headers })).status);
    statuses.push((await fetch(`${url}/api/signup`, { method: 'POST', headers })).status);
    // Delivers what is queued: the module created the client, so it closes it.
    await app.close();
  }
  const resolved = require.resolve('@pirsch-node/nest');
  const nestVersion = (require('@nestjs/core/package.json') as { version: string }).version;
  process.stdout.write(JSON.stringify({ resolved, nestVersion, statuses, moduleSystem: typeof module === 'object' ? 'cjs' : 'esm' }));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
