/**
 * Injection token of the module's tracker (`Tracker` from `@pirsch-node/core`), which the
 * middleware and `PirschService` share.
 *
 * @example
 * ```ts
 * constructor(@Inject(PIRSCH_TRACKER) private readonly tracker: Tracker) {}
 * ```
 */
export const PIRSCH_TRACKER = Symbol('PIRSCH_TRACKER');

/**
 * The routes the tracking middleware is applied to: all of them. A named wildcard, which every
 * supported Nest major and both platforms accept without a path-syntax warning (a bare `'*'` is
 * converted with a warning once a global prefix is set).
 */
export const PIRSCH_ROUTES = '{*path}';
