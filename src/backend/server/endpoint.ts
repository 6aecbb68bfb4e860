import { ServerError } from './serverError';

/** A checked server address: where requests go, and the origin an API key is bound to. */
export interface ServerEndpoint {
  /** The URL without a trailing slash; paths are appended to it (a server behind a path prefix keeps it). */
  base: string;
  /** scheme://host:port: the only place the API key set for it is ever sent. */
  origin: string;
  loopback: boolean;
}

/**
 * Checks slm.server.url. Plain http is allowed to this machine only, unless the user opted in:
 * on any other host the code (and an API key) would cross the network unencrypted.
 */
export function parseEndpoint(url: string, allowInsecureHttp: boolean): ServerEndpoint {
  if (!url) throw new ServerError('bad-url', 'slm.server.url is empty: set the server\'s address, for example http://127.0.0.1:8080.');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ServerError('bad-url', `slm.server.url is not a URL: ${JSON.stringify(url)}.`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new ServerError('bad-url', `slm.server.url must start with http:// or https:// (got ${parsed.protocol}).`);
  if (parsed.username || parsed.password) throw new ServerError('bad-url', 'slm.server.url must not hold a user name or password: set an API key with "Local Completion: Set Server API Key".');
  if (parsed.search || parsed.hash) throw new ServerError('bad-url', 'slm.server.url must not hold a query or fragment.');
  const loopback = isLoopback(parsed.hostname);
  if (parsed.protocol === 'http:' && !loopback && !allowInsecureHttp) {
    throw new ServerError('insecure-http', `slm.server.url uses plain http to ${parsed.host}: your code would cross the network unencrypted. Use https, or turn on slm.server.allowInsecureHttp for a network you trust.`);
  }
  return { base: `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`, origin: parsed.origin, loopback };
}

export function isLoopback(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}
