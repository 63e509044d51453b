/**
 * What a span may say of a URL: no playback id, vendor playback token, callback token, cursor or
 * phone number. The instrumentations record the URLs they see (the API's path and query, the
 * vendor's URL with its `st` token); each is rewritten here before a span leaves the process.
 */

const URL_ATTRIBUTES = ['url.full', 'url.path', 'url.query', 'http.target', 'http.url', 'http.route', 'url.original'];

export function scrubUrl(text: string): string {
  return text
    .replace(/(playback\/+)[^?#\s]*/gi, '$1[redacted]')
    .replace(/([?&](?:st|token|number|callerNo|calleeNo|cursor)=)[^&#\s]*/gi, '$1[redacted]')
    .replace(/(callbacks\/ccfs\/bill\/[^/]+\/)[^?#\s]*/gi, '$1[redacted]')
    .replace(/[A-Za-z0-9_-]{40,}/g, '[redacted]');
}

export function scrubAttributes(attributes: Record<string, unknown>): void {
  for (const key of URL_ATTRIBUTES) {
    const v = attributes[key];
    if (typeof v === 'string') attributes[key] = scrubUrl(v);
  }
  // Request and response headers are never recorded (no instrumentation is asked to): drop any that are.
  for (const key of Object.keys(attributes))
    if (/^http\.(request|response)\.header\./.test(key) && !/content-(type|length)$/.test(key)) delete attributes[key];
}
