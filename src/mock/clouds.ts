/**
 * `.drctl/mock-clouds.yaml`: a clouds.yaml for both mock sites (member, admin and application
 * credential entries), in the format openstacksdk and the openstack CLI read.
 */
import { stringify } from 'yaml';
import type { MockServerHandle } from './server.js';

export function mockCloudsYaml(handle: Pick<MockServerHandle, 'sites' | 'world'>): string {
  const clouds: Record<string, unknown> = {};
  for (const [name, access] of Object.entries(handle.sites)) {
    const site = handle.world.site(name);
    for (const c of [access.cloud, access.adminCloud]) {
      clouds[c.name] = {
        auth: {
          auth_url: c.auth.authUrl,
          username: c.auth.username,
          password: c.auth.password,
          user_domain_name: c.auth.userDomainName,
          project_name: c.auth.projectName,
          project_domain_name: c.auth.projectDomainName,
        },
        region_name: c.regionName,
        interface: c.interface,
        identity_api_version: 3,
      };
    }
    const ac = site.keystone.appCredentials[0];
    if (ac) {
      clouds[`${name}-appcred`] = {
        auth_type: 'v3applicationcredential',
        auth: { auth_url: access.cloud.auth.authUrl, application_credential_id: ac.id, application_credential_secret: ac.secret },
        region_name: access.cloud.regionName,
        interface: 'public',
        identity_api_version: 3,
      };
    }
  }
  return `# Written by drctl mock serve: the mock's two sites (valid while it runs). Mock credentials only.\n${stringify({ clouds })}`;
}
