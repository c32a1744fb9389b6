/**
 * `target` (a path with a query, or a whole URL) without the query parameters named in `names`
 * (lowercase). A parameter's name is compared decoded (`%74oken` and `TOKEN` are `token`), the
 * parameters kept are left byte for byte as they were (nothing is decoded or re-encoded), and a
 * query left empty loses its `?`. A fragment stays. Never throws.
 */
export function stripQueryParams(target: string, names: readonly string[]): string {
  if (names.length === 0) return target;
  const question = target.indexOf('?');
  if (question === -1) return target;
  let hash = target.indexOf('#', question);
  if (hash === -1) hash = target.length;
  let kept = '';
  let removed = false;
  let start = question + 1;
  while (start <= hash) {
    let end = target.indexOf('&', start);
    if (end === -1 || end > hash) end = hash;
    const pair = target.slice(start, end);
    if (pair !== '' && names.includes(paramName(pair))) {
      removed = true;
    } else if (pair !== '') {
      kept = kept === '' ? pair : `${kept}&${pair}`;
    }
    start = end + 1;
  }
  if (!removed) return target;
  return `${target.slice(0, question)}${kept === '' ? '' : `?${kept}`}${target.slice(hash)}`;
}

/** The decoded, lowercased name of `name=value` (`+` is a space, as in a form). */
function paramName(pair: string): string {
  const equals = pair.indexOf('=');
  let name = equals === -1 ? pair : pair.slice(0, equals);
  if (name.includes('+')) name = name.replaceAll('+', ' ');
  if (name.includes('%')) {
    try {
      name = decodeURIComponent(name);
    } catch {
      // escapes that are not UTF-8: compared as sent
    }
  }
  return name.toLowerCase();
}
