/** A request body as parsed: JSON (`undefined` when empty), or not JSON (`raw` is kept instead). */
export type ParsedBody = { json: true; value: unknown } | { json: false; raw: string };

/** Parses a request body; an empty or blank body is valid and parses to `undefined`. */
export function parseBody(text: string): ParsedBody {
  if (text.trim() === '') return { json: true, value: undefined };
  try {
    return { json: true, value: JSON.parse(text) as unknown };
  } catch {
    return { json: false, raw: text };
  }
}

/** True for a plain JSON object (not null, not an array). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
