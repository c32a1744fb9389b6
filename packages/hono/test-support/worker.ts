// Cloudflare Workers: the app is the worker (`export default app`); its options come from the
// bindings on the first request, delivery goes to c.executionCtx.waitUntil.
import { createShop, shopOptions, type ShopSettings } from './shop.js';

export default createShop((env: ShopSettings) => shopOptions(env)).app;
