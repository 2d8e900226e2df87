/** Where each service of a site lives on that site's listener (catalog URLs point back here). */

export const PREFIX = {
  keystone: '/identity',
  nova: '/compute',
  cinder: '/volume',
  neutron: '/network',
  pure: '/array',
} as const;

export interface SiteUrls {
  origin: string;
  identity: string;
  compute: string;
  volume: (projectId: string) => string;
  network: string;
  array: string;
}

export function siteUrls(origin: string): SiteUrls {
  return {
    origin,
    identity: `${origin}${PREFIX.keystone}/v3`,
    compute: `${origin}${PREFIX.nova}/v2.1`,
    volume: (projectId) => `${origin}${PREFIX.cinder}/v3/${projectId}`,
    network: `${origin}${PREFIX.neutron}`,
    array: `${origin}${PREFIX.pure}`,
  };
}
