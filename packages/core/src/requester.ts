import type { TokenSource } from './auth.js';
import { PirschAccessKeyError, PirschNetworkError } from './errors.js';
import type { ResolvedClientOptions } from './options.js';
import { isRetryableError, retryDelay, sleep } from './retry.js';
import { checkResponse, type Transport, type TransportRequest, type TransportResponse } from './transport.js';
import type { ApiRequester } from './types.js';

/** Sends one authorized request; on a 401 with an OAuth token, fetches a new token and tries once more. */
export type AuthorizedSend = (request: Omit<TransportRequest, 'token'>) => Promise<TransportResponse>;

/** Builds the authorized send shared by delivery and API calls. Non-2xx answers reject with PirschApiError. */
export function createAuthorizedSend(transport: Transport, tokens: TokenSource): AuthorizedSend {
  return async (request) => {
    const label = `${request.method} ${request.path}`;
    const token = await tokens.token();
    const response = await transport.send({ ...request, token });
    if (response.status === 401 && !tokens.isAccessKey) {
      tokens.invalidate(token);
      return checkResponse(label, await transport.send({ ...request, token: await tokens.token() }));
    }
    return checkResponse(label, response);
  };
}

/**
 * Keeps the process alive until the returned release is called: the caller awaits the API call,
 * and the transport's sockets do not hold the process themselves.
 */
function holdProcess(): () => void {
  const timer = setInterval(() => {}, 2 ** 31 - 1);
  return () => clearInterval(timer);
}

/**
 * The requester behind `client.statistics`, `client.domains`, ...: refuses access keys without a
 * request, retries idempotent calls on network errors, 408, 429 (honouring Retry-After) and 5xx.
 * When `closed` aborts (the client's `close()` at its deadline), a call waiting to retry rejects
 * at once with a `PirschNetworkError` of code `CLIENT_CLOSED` instead of waiting out its backoff.
 */
export function createApiRequester(send: AuthorizedSend, tokens: TokenSource, options: ResolvedClientOptions, closed: AbortSignal): ApiRequester {
  return async <T>(request: Parameters<ApiRequester>[0]): Promise<T> => {
    if (tokens.isAccessKey) throw new PirschAccessKeyError(request.call);
    const { method, path, query, body, binary } = request;
    const release = holdProcess();
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          const response = await send({ method, path, query, body, binary });
          return response.body as T;
        } catch (error) {
          if (!request.idempotent || attempt >= options.maxRetries || !isRetryableError(error)) throw error;
          const retryAfterMs = (error as { retryAfterMs?: number }).retryAfterMs;
          if (!(await sleep(retryDelay(attempt + 1, options.minRetryDelayMs, options.maxRetryDelayMs, retryAfterMs), closed))) {
            throw new PirschNetworkError(`${method} ${path}`, 'CLIENT_CLOSED', false, 'the client was closed while the call waited to retry');
          }
        }
      }
    } finally {
      release();
    }
  };
}
