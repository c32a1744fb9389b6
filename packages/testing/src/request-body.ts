import type { IncomingMessage } from 'node:http';

/**
 * A request body as read: its text, or `tooLarge` when it went past the limit (the rest was
 * drained, not kept). `bytes` is how much arrived, kept or not.
 */
export type RequestBody = { tooLarge: false; text: string; bytes: number } | { tooLarge: true; bytes: number };

/**
 * Reads the whole body of `request`, keeping at most `limit` bytes in memory. Past the limit it
 * keeps draining so the client can finish sending and read the 413. With `keep: false` nothing is
 * kept at all (the text is empty): for a request refused whatever its body says, such as one to an
 * unknown path or without valid credentials. Rejects when the client aborts.
 */
export function readRequestBody(request: IncomingMessage, limit: number, keep = true): Promise<RequestBody> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        tooLarge = true;
        chunks.length = 0;
      }
      if (!tooLarge && keep) chunks.push(chunk);
    });
    request.on('end', () =>
      resolve(tooLarge ? { tooLarge, bytes: size } : { tooLarge, bytes: size, text: Buffer.concat(chunks).toString('utf8') }),
    );
    request.on('error', reject);
    request.on('close', () => {
      if (!request.complete) reject(new Error('request aborted'));
    });
  });
}
