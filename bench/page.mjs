// The page every bench app answers GET / with (bench/apps.mjs, bench/hono-app.mjs). No imports:
// bench/hono.mjs bundles it for Deno.
export const PAGE = '<!doctype html><html><head><title>Shop</title></head><body><h1>Welcome to the shop</h1><p>Fresh products every day.</p></body></html>';
