/** The error JSON the Pirsch API answers with: field messages in `validation`, the rest in `error`. */
export interface ApiErrorBody {
  validation: Record<string, string>;
  error: string[];
}

/**
 * Builds the API's error JSON.
 *
 * @example
 * apiError('unauthorized');                          // { validation: {}, error: ['unauthorized'] }
 * apiError([], { url: 'required' });                 // { validation: { url: 'required' }, error: [] }
 */
export function apiError(error: string | string[], validation: Record<string, string> = {}): ApiErrorBody {
  return { validation, error: typeof error === 'string' ? [error] : error };
}
