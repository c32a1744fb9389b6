/**
 * True for a request of an Express app that trusts no proxy: its `trust proxy` setting is
 * `false`, the default, compiled to Express's own "trust none" (proxy-addr's `trustNone`). Then
 * `req.ip` is the socket's address and `req.protocol` the socket's, and an adapter need not call
 * those getters: `req.ip` parses `X-Forwarded-For` through proxy-addr on every call, about a
 * microsecond of an Express app's request. Reads the settings of `req.app` (the app, or the
 * mounted sub-app, whose request this is, as the getters do). False for anything else (another
 * `trust proxy`, a custom `trust proxy fn`, a request of no Express app), and never throws.
 *
 * @example
 * ```ts
 * const ip = expressTrustsNoProxy(req) ? req.socket.remoteAddress : req.ip;
 * ```
 */
export function expressTrustsNoProxy(req: unknown): boolean {
  try {
    const settings = (req as { app?: { settings?: Record<string, unknown> } } | null)?.app?.settings;
    if (settings == null || settings['trust proxy'] !== false) return false;
    const compiled = settings['trust proxy fn'];
    return typeof compiled === 'function' && compiled.name === 'trustNone';
  } catch {
    return false;
  }
}
