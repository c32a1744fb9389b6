import type { IncomingMessage } from 'node:http';

/** A request body as read: its text, or `tooLarge` when it went past the limit (the rest was drained, not kept). */
export type RequestBody = { tooLarge: false; text: string } | { tooLarge: true };

/**
 * Reads the whole body of `request`, keeping at most `limit` bytes in memory. Past the limit it
 * keeps draining so the client can finish sending and read the 413. Rejects when the client aborts.
 */
export function readRequestBody(request: IncomingMessage, limit: number): Promise<RequestBody> {
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
      if (!tooLarge) chunks.push(chunk);
    });
    request.on('end', () => resolve(tooLarge ? { tooLarge } : { tooLarge, text: Buffer.concat(chunks).toString('utf8') }));
    request.on('error', reject);
    request.on('close', () => {
      if (!request.complete) reject(new Error('request aborted'));
    });
  });
}
