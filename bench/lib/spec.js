/**
 * Generates the benchmarks' DR spec: `vms` VMs in groups of `groupSize` (default 10) over three tiers
 * (per group: 2 members in tier 1, 4 in tier 2, the rest in tier 3), replication types alternating
 * (even groups: async Pure protection groups `pg-<group>`; odd groups: sync pods `pod-<group>`), all
 * between one Pure pair site-a → site-b. Written in the style of examples/prod-web-app.yaml (members
 * and replication as flow maps), which is also how a big estate's spec stays readable.
 */

const pad = (n, w) => String(n).padStart(w, '0');

export function groupName(g) {
  return `g${pad(g, 4)}`;
}

/**
 * Sites: the member cloud `<site>` and `<site>-admin` for Cinder's admin-only calls (manage/unmanage,
 * os-services), as a real deployment names them (mock mode maps them to the mock's users; `drctl mock
 * serve` writes them to mock-clouds.yaml). `external`: the array endpoints of a `drctl mock serve`
 * running in another process — `{ 'site-a': arrayEndpoint, ... }`.
 */
function siteLines(site, endpoint, tokenEnv, external) {
  return [
    `  ${site}:`,
    `    cloud: ${site}`,
    `    adminCloud: ${site}-admin`,
    `    storage: { driver: pure, endpoint: ${external ? external[site] : endpoint}, apiToken: { env: ${tokenEnv} } }`,
  ];
}

export function benchSpec({ vms, groupSize = 10, activeSite = 'site-a', name = 'bench', syncEvery = 2, external }) {
  const out = [
    'apiVersion: drctl/v1',
    'kind: DRSpec',
    `metadata: { name: ${name} }`,
    'sites:',
    ...siteLines('site-a', 'https://fa-a.example.com', 'FA_A_TOKEN', external),
    ...siteLines('site-b', 'https://fa-b.example.com', 'FA_B_TOKEN', external),
    'groups:',
  ];
  const nGroups = Math.ceil(vms / groupSize);
  for (let g = 0; g < nGroups; g++) {
    const gname = groupName(g);
    const size = Math.min(groupSize, vms - g * groupSize);
    const sync = syncEvery > 0 && g % syncEvery === syncEvery - 1;
    out.push(
      `  ${gname}:`,
      `    description: bench group ${g}`,
      '    primarySite: site-a',
      '    secondarySite: site-b',
      `    activeSite: ${activeSite}`,
      '    drill: false',
      sync
        ? `    replication: { type: sync, volumeType: replicated-sync, pod: pod-${gname} }`
        : `    replication: { type: async, volumeType: replicated-ssd, arrayGroup: pg-${gname}, intervalSeconds: 300, rpoMinutes: 15 }`,
      '    failover: { mode: planned, reverseReplication: true }',
      '    members:',
    );
    for (let m = 0; m < size; m++) {
      const tier = m < 2 ? 1 : m < 6 ? 2 : 3;
      out.push(`      - { server: ${gname}-vm${pad(m, 2)}, tier: ${tier} }`);
    }
    out.push(
      '    mappings:',
      '      networks: { net-primary-web: net-secondary-web, net-primary-db: net-secondary-db }',
      '      flavors: { m1.large: m2.large }',
    );
  }
  return `${out.join('\n')}\n`;
}
