import { connect } from 'node:net';

/** What came back on a raw connection: the status line's code (0 when none) and everything received. */
export interface RawResponse {
  status: number;
  text: string;
}

/**
 * Writes `bytes` as they are to the server at `url` and reads until the server closes the
 * connection (send `Connection: close` or HTTP/1.0), so a request no HTTP client would send can
 * be made. Rejects when nothing closes the connection within `timeoutMs`.
 *
 * @example
 * const { status } = await rawRequest(app.url, 'GET http://evil.example/ HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
 */
export function rawRequest(url: string, bytes: string | Buffer, timeoutMs = 5000): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete answer within ${timeoutMs} ms to ${JSON.stringify(String(bytes).slice(0, 200))}`));
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    // A server may reset after answering (e.g. 431); what was received still counts.
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1];
      resolve({ status: status === undefined ? 0 : Number(status), text });
    });
    socket.write(bytes);
  });
}

/** Builds a request from a request line and header lines, ending with `Connection: close`. */
export function rawMessage(requestLine: string, headers: Array<[string, string]> = [], encoding: BufferEncoding = 'utf8'): Buffer {
  const lines = [requestLine, ...headers.map(([name, value]) => `${name}: ${value}`), 'Connection: close', '', ''];
  return Buffer.from(lines.join('\r\n'), encoding);
}
