/**
 * One call to get everything needed to talk to one OpenStack site: an HTTP client with the cloud's
 * TLS settings (clouds.yaml `cacert` / `verify: false`), a session, and the three service clients.
 */
import { createHttpClient, type HttpClient, type HttpClientOptions, type RequestEvent } from '../http.js';
import { SecretRegistry } from '../redact.js';
import { CinderClient } from './cinder.js';
import type { CloudConfig } from './clouds.js';
import { NeutronClient } from './neutron.js';
import { NovaClient } from './nova.js';
import { OpenStackSession, type SessionOptions } from './session.js';

export interface OpenStackClients {
  session: OpenStackSession;
  nova: NovaClient;
  cinder: CinderClient;
  neutron: NeutronClient;
}

export interface OpenStackClientOptions {
  site: string;
  cloud: CloudConfig;
  /** Use this HTTP client instead of building one from the cloud's TLS settings. */
  http?: HttpClient;
  secrets?: SecretRegistry;
  logger?: { debug?(msg: string): void; warn(msg: string): void };
  onRequest?: (e: RequestEvent) => void;
  now?: () => number;
  /** Extra HTTP options (timeouts, attempts, injected fetch/sleep for tests). */
  httpOptions?: Partial<HttpClientOptions>;
  session?: Partial<Pick<SessionOptions, 'refreshMarginMs' | 'microversions' | 'skipVersionCheck'>>;
}

export function createOpenStackClients(opts: OpenStackClientOptions): OpenStackClients {
  const secrets = opts.secrets ?? new SecretRegistry();
  const http =
    opts.http ??
    createHttpClient({
      site: opts.site,
      secrets,
      logger: opts.logger,
      onRequest: opts.onRequest,
      tls: { caFile: opts.cloud.verify ? opts.cloud.cacert : undefined, insecure: !opts.cloud.verify },
      ...opts.httpOptions,
    });
  const session = new OpenStackSession({ site: opts.site, cloud: opts.cloud, http, secrets, logger: opts.logger, now: opts.now, ...opts.session });
  return { session, nova: new NovaClient(session), cinder: new CinderClient(session), neutron: new NeutronClient(session) };
}

export { OpenStackSession } from './session.js';
export { NovaClient } from './nova.js';
export { CinderClient } from './cinder.js';
export { NeutronClient } from './neutron.js';
export { loadClouds, selectCloud, type CloudConfig } from './clouds.js';
