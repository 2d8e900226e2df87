import t from 'tap';
import { cloudsMeta, configSearchDirs, loadClouds, mergeClouds, parseCloudEntry, selectCloud } from '../../../src/providers/openstack/clouds.js';
import { SecretRegistry } from '../../../src/providers/redact.js';
import { DrctlError } from '../../../src/errors.js';

const HOME = '/home/op';
const CWD = '/work/dr';

function fs(files: Record<string, string>) {
  const reads: string[] = [];
  return {
    reads,
    readFile: async (p: string) => {
      reads.push(p);
      return files[p];
    },
  };
}

const A = `
clouds:
  site-a:
    auth:
      auth_url: http://127.0.0.1:5000/v3
      username: demo
      project_name: demo
      user_domain_name: Default
      project_domain_name: Default
    region_name: RegionOne
  site-a-appcred:
    auth_type: v3applicationcredential
    auth:
      auth_url: http://127.0.0.1:5000/v3
      application_credential_id: 0123abcd
      application_credential_secret: appsecret-a
    region_name: RegionOne
    interface: internal
`;
const SECURE = `
clouds:
  site-a:
    auth:
      password: pw-site-a
`;

t.test('search order: OS_CLIENT_CONFIG_FILE, cwd, ~/.config/openstack, /etc/openstack; first found wins', async (t) => {
  const dirs = configSearchDirs({ env: {}, cwd: CWD, home: HOME });
  t.same(dirs, [CWD, `${HOME}/.config/openstack`, '/etc/xdg/openstack', '/etc/openstack']);
  t.same(configSearchDirs({ env: { XDG_CONFIG_HOME: '/x' }, cwd: CWD, home: HOME }), [CWD, '/x/openstack', `${HOME}/.config/openstack`, '/etc/xdg/openstack', '/etc/openstack']);

  const cases: { name: string; env: NodeJS.ProcessEnv; files: Record<string, string>; want: string }[] = [
    { name: 'only /etc', env: {}, files: { '/etc/openstack/clouds.yaml': A }, want: '/etc/openstack/clouds.yaml' },
    { name: 'home beats /etc', env: {}, files: { '/etc/openstack/clouds.yaml': A, [`${HOME}/.config/openstack/clouds.yaml`]: A }, want: `${HOME}/.config/openstack/clouds.yaml` },
    { name: 'cwd beats home', env: {}, files: { [`${CWD}/clouds.yaml`]: A, [`${HOME}/.config/openstack/clouds.yaml`]: A }, want: `${CWD}/clouds.yaml` },
    { name: 'clouds.yml and clouds.json count', env: {}, files: { [`${HOME}/.config/openstack/clouds.json`]: JSON.stringify({ clouds: {} }), '/etc/openstack/clouds.yml': A }, want: `${HOME}/.config/openstack/clouds.json` },
    { name: 'OS_CLIENT_CONFIG_FILE first', env: { OS_CLIENT_CONFIG_FILE: '/tmp/lab/clouds.yaml' }, files: { '/tmp/lab/clouds.yaml': A, [`${CWD}/clouds.yaml`]: A }, want: '/tmp/lab/clouds.yaml' },
    { name: 'unparsable file skipped', env: {}, files: { [`${CWD}/clouds.yaml`]: 'clouds: [unclosed', '/etc/openstack/clouds.yaml': A }, want: '/etc/openstack/clouds.yaml' },
  ];
  for (const k of cases) {
    const warnings: string[] = [];
    const clouds = await loadClouds({ env: k.env, cwd: CWD, home: HOME, readFile: fs(k.files).readFile, warn: (m) => warnings.push(m) });
    t.equal(cloudsMeta(clouds)?.file, k.want, k.name);
    if (k.name === 'unparsable file skipped') t.match(warnings[0], /^Skipping config file \/work\/dr\/clouds\.yaml/);
  }
});

t.test('a non-mapping file is an error naming it', async (t) => {
  await t.rejects(loadClouds({ env: {}, cwd: CWD, home: HOME, readFile: fs({ [`${CWD}/clouds.yaml`]: '- a\n- b\n' }).readFile }), {
    code: 'DRCTL_E2011',
    message: /\/work\/dr\/clouds\.yaml is empty or not a valid mapping/,
  });
});

t.test('secure.yaml is deep-merged over clouds.yaml; secrets are registered', async (t) => {
  const secrets = new SecretRegistry();
  const clouds = await loadClouds({
    env: {},
    cwd: CWD,
    home: HOME,
    readFile: fs({ [`${CWD}/clouds.yaml`]: A, [`${HOME}/.config/openstack/secure.yaml`]: SECURE }).readFile,
    secrets,
  });
  t.same(clouds['site-a'], {
    name: 'site-a',
    authType: 'password',
    auth: {
      authUrl: 'http://127.0.0.1:5000/v3',
      username: 'demo',
      password: 'pw-site-a',
      userDomainName: 'Default',
      projectName: 'demo',
      projectDomainName: 'Default',
    },
    regionName: 'RegionOne',
    interface: 'public',
    verify: true,
    source: `${CWD}/clouds.yaml`,
  });
  t.same(clouds['site-a-appcred'], {
    name: 'site-a-appcred',
    authType: 'v3applicationcredential',
    auth: { authUrl: 'http://127.0.0.1:5000/v3', applicationCredentialId: '0123abcd', applicationCredentialSecret: 'appsecret-a' },
    regionName: 'RegionOne',
    interface: 'internal',
    verify: true,
    source: `${CWD}/clouds.yaml`,
  });
  t.ok(secrets.has('pw-site-a'));
  t.ok(secrets.has('appsecret-a'));
  t.equal(cloudsMeta(clouds)?.secureFile, `${HOME}/.config/openstack/secure.yaml`);
  t.same(mergeClouds({ a: { b: 1, c: { d: 1 } }, x: [1] }, { a: { c: { e: 2 } }, x: [2] }), { a: { b: 1, c: { d: 1, e: 2 } }, x: [2] });
});

t.test('OS_CLIENT_SECURE_FILE goes first for the secure file', async (t) => {
  const clouds = await loadClouds({
    env: { OS_CLIENT_SECURE_FILE: '/run/secrets/secure.yaml' },
    cwd: CWD,
    home: HOME,
    readFile: fs({ [`${CWD}/clouds.yaml`]: A, [`${CWD}/secure.yaml`]: SECURE.replace('pw-site-a', 'wrong'), '/run/secrets/secure.yaml': SECURE }).readFile,
  });
  t.equal(clouds['site-a']!.auth.password, 'pw-site-a');
});

t.test('entry parsing follows openstacksdk normalisation', async (t) => {
  const base = { auth_url: 'https://ks:5000/v3', username: 'u', password: 'p' };
  const cases: { name: string; raw: Record<string, unknown>; check: (c: ReturnType<typeof parseCloudEntry>) => void }[] = [
    {
      name: 'dashes equal underscores; tenant_name aliases project_name; domain_id fills both domains',
      raw: { auth: { 'auth-url': 'https://ks:5000/v3', username: 'u', password: 'p', tenant_name: 'proj', domain_id: 'default' } },
      check: (c) => t.match(c.auth, { authUrl: 'https://ks:5000/v3', projectName: 'proj', userDomainId: 'default', projectDomainId: 'default' }),
    },
    {
      name: 'auth options at the top level are used',
      raw: { auth_url: 'https://ks/v3', username: 'u', password: 'p', project_id: 'abc', user_domain_name: 'D' },
      check: (c) => t.match(c.auth, { authUrl: 'https://ks/v3', projectId: 'abc', userDomainName: 'D' }),
    },
    {
      name: 'auth: wins over top level for plugin options',
      raw: { auth: { ...base, project_id: 'x', username: 'in-auth' }, username: 'top' },
      check: (c) => t.equal(c.auth.username, 'in-auth'),
    },
    { name: 'auth_plugin alias', raw: { auth_plugin: 'v3password', auth: { ...base, project_id: 'x' } }, check: (c) => t.equal(c.authType, 'password') },
    { name: 'endpoint_type alias and URL suffix', raw: { endpoint_type: 'internalURL', auth: { ...base, project_id: 'x' } }, check: (c) => t.equal(c.interface, 'internal') },
    { name: 'regions list: first entry', raw: { regions: ['RegionTwo', 'RegionThree'], auth: { ...base, project_id: 'x' } }, check: (c) => t.equal(c.regionName, 'RegionTwo') },
    {
      name: 'regions with values: values merged',
      raw: { regions: [{ name: 'R1', values: { interface: 'admin' } }], auth: { ...base, project_id: 'x' } },
      check: (c) => {
        t.equal(c.regionName, 'R1');
        t.equal(c.interface, 'admin');
      },
    },
    { name: 'comma-separated region_name: first', raw: { region_name: 'A,B', auth: { ...base, project_id: 'x' } }, check: (c) => t.equal(c.regionName, 'A') },
    { name: 'verify false', raw: { verify: false, auth: { ...base, project_id: 'x' } }, check: (c) => t.equal(c.verify, false) },
    { name: 'insecure beats verify', raw: { insecure: 'True', verify: true, cacert: '/ca.pem', auth: { ...base, project_id: 'x' } }, check: (c) => t.same([c.verify, c.cacert], [false, undefined]) },
    { name: 'cacert kept when verifying', raw: { cacert: '/etc/ssl/ca.pem', auth: { ...base, project_id: 'x' } }, check: (c) => t.same([c.verify, c.cacert], [true, '/etc/ssl/ca.pem']) },
    { name: 'numbers become strings (project_id: 123)', raw: { auth: { ...base, project_id: 123 } }, check: (c) => t.equal(c.auth.projectId, '123') },
    {
      name: 'app credential by name + user',
      raw: { auth_type: 'v3applicationcredential', auth: { auth_url: 'u', application_credential_name: 'drctl', application_credential_secret: 's', username: 'demo', user_domain_name: 'Default', project_name: 'ignored' } },
      check: (c) => {
        t.match(c.auth, { applicationCredentialName: 'drctl', username: 'demo', userDomainName: 'Default' });
        t.equal(c.auth.projectName, undefined, 'no scope for application credentials');
      },
    },
  ];
  for (const k of cases) {
    t.test(k.name, async () => k.check(parseCloudEntry('c', k.raw, 'f.yaml')));
  }
});

t.test('unusable entries: clear errors, raised when selected, other clouds still load', async (t) => {
  const bad: [string, Record<string, unknown>, RegExp][] = [
    ['no auth_url', { auth: { username: 'u', password: 'p', project_id: 'x' } }, /auth\.auth_url is missing/],
    ['no password', { auth: { auth_url: 'u', username: 'u', project_id: 'x' } }, /auth\.password is missing/],
    ['no user', { auth: { auth_url: 'u', password: 'p', project_id: 'x' } }, /auth\.username or auth\.user_id is missing/],
    ['no project', { auth: { auth_url: 'u', username: 'u', password: 'p' } }, /no project/],
    ['unsupported auth type', { auth_type: 'v3oidcpassword', auth: {} }, /auth_type v3oidcpassword is not supported/],
    ['app cred without secret', { auth_type: 'v3applicationcredential', auth: { auth_url: 'u', application_credential_id: 'i' } }, /application_credential_secret is missing/],
    ['app cred by name without user', { auth_type: 'v3applicationcredential', auth: { auth_url: 'u', application_credential_name: 'n', application_credential_secret: 's' } }, /also needs the user/],
    ['bad interface', { interface: 'private', auth: { auth_url: 'u', username: 'u', password: 'p', project_id: 'x' } }, /interface private/],
    ['vendor profile', { profile: 'vexxhost', auth: {} }, /vendor profile/],
  ];
  for (const [name, raw, re] of bad) {
    t.throws(() => parseCloudEntry('c', raw, 'f.yaml'), { code: 'DRCTL_E2013', message: re }, name);
  }
  const yaml = `clouds:\n  good:\n    auth: {auth_url: u, username: u, password: p, project_id: x}\n  broken:\n    auth: {username: u}\n`;
  const clouds = await loadClouds({ env: {}, cwd: CWD, home: HOME, readFile: fs({ [`${CWD}/clouds.yaml`]: yaml }).readFile });
  t.same(Object.keys(clouds), ['good']);
  t.throws(() => selectCloud(clouds, 'broken', {}), { code: 'DRCTL_E2013', message: /cloud broken \(\/work\/dr\/clouds\.yaml\): auth\.auth_url is missing/ });
});

t.test('selectCloud: explicit name, OS_CLOUD, single cloud, unknown name lists names and the file', async (t) => {
  const clouds = await loadClouds({ env: {}, cwd: CWD, home: HOME, readFile: fs({ [`${CWD}/clouds.yaml`]: A, [`${CWD}/secure.yaml`]: SECURE }).readFile });
  t.equal(selectCloud(clouds, 'site-a', {}).name, 'site-a');
  t.equal(selectCloud(clouds, undefined, { OS_CLOUD: 'site-a-appcred' }).name, 'site-a-appcred');
  t.equal(selectCloud(clouds, 'site-a', { OS_CLOUD: 'site-a-appcred' }).name, 'site-a', 'explicit name beats OS_CLOUD');
  const err = (() => {
    try {
      selectCloud(clouds, 'site-z', {});
    } catch (e) {
      return e as DrctlError;
    }
    return undefined;
  })();
  t.equal(err?.code, 'DRCTL_E2012');
  t.equal(err?.message, `cloud site-z not found in clouds.yaml (available: site-a, site-a-appcred; read ${CWD}/clouds.yaml (+ ${CWD}/secure.yaml))`);
  t.throws(() => selectCloud(clouds, undefined, {}), { code: 'DRCTL_E2012', message: /no cloud selected: pass a cloud name or set OS_CLOUD \(available: site-a, site-a-appcred/ });

  const one = await loadClouds({ env: {}, cwd: CWD, home: HOME, readFile: fs({ [`${CWD}/clouds.yaml`]: A.split('  site-a-appcred:')[0]!, [`${CWD}/secure.yaml`]: SECURE }).readFile });
  t.equal(selectCloud(one, undefined, {}).name, 'site-a', 'the only cloud is the default');

  const none = await loadClouds({ env: {}, cwd: CWD, home: HOME, readFile: fs({}).readFile });
  t.throws(() => selectCloud(none, 'site-a', {}), { code: 'DRCTL_E2012', message: /cloud site-a not found: no clouds\.yaml found \(searched \/work\/dr, \/home\/op\/\.config\/openstack, .*\/etc\/openstack\)/ });
});

t.test('OS_* variables form the envvars cloud (or OS_CLOUD_NAME); selectors alone do not', async (t) => {
  const env = { OS_AUTH_URL: 'http://ks:5000/v3', OS_USERNAME: 'admin', OS_PASSWORD: 'envpw', OS_PROJECT_NAME: 'admin', OS_USER_DOMAIN_NAME: 'Default', OS_PROJECT_DOMAIN_NAME: 'Default', OS_REGION_NAME: 'RegionOne', OS_INTERFACE: 'internal' };
  const clouds = await loadClouds({ env, cwd: CWD, home: HOME, readFile: fs({}).readFile });
  t.match(clouds.envvars, { authType: 'password', auth: { authUrl: 'http://ks:5000/v3', username: 'admin', password: 'envpw', projectName: 'admin' }, regionName: 'RegionOne', interface: 'internal' });
  t.equal(selectCloud(clouds, undefined, env).name, 'envvars');
  const named = await loadClouds({ env: { ...env, OS_CLOUD_NAME: 'mine' }, cwd: CWD, home: HOME, readFile: fs({}).readFile });
  t.same(Object.keys(named), ['mine']);
  const selectorsOnly = await loadClouds({ env: { OS_CLOUD: 'site-a', OS_CLIENT_CONFIG_FILE: '/x.yaml' }, cwd: CWD, home: HOME, readFile: fs({ '/x.yaml': A }).readFile });
  t.notOk('envvars' in selectorsOnly);
  await t.rejects(
    loadClouds({ env: { ...env, OS_CLOUD_NAME: 'site-a' }, cwd: CWD, home: HOME, readFile: fs({ [`${CWD}/clouds.yaml`]: A }).readFile }),
    { code: 'DRCTL_E2011', message: /defines a cloud named site-a, but OS_CLOUD_NAME is also set/ },
  );
});

t.test('the lab clouds.yaml shape (labs/openstack/up.sh) loads', async (t) => {
  const lab = `clouds:
  site-a:
    auth: {auth_url: 'http://127.0.0.1:5000/v3', username: demo, password: demo-pw, project_name: demo, user_domain_name: Default, project_domain_name: Default}
    region_name: RegionOne
    identity_api_version: 3
    volume_api_version: 3
  site-a-admin:
    auth: {auth_url: 'http://127.0.0.1:5000/v3', username: admin, password: admin-pw, project_name: admin, user_domain_name: Default, project_domain_name: Default}
    region_name: RegionOne
  site-b:
    auth: {auth_url: 'http://127.0.0.1:5001/v3', username: demo, password: demo-pw, project_name: demo, user_domain_name: Default, project_domain_name: Default}
    region_name: RegionTwo
`;
  const clouds = await loadClouds({ env: { OS_CLIENT_CONFIG_FILE: '/tmp/openstack-lab/clouds.yaml' }, cwd: CWD, home: HOME, readFile: fs({ '/tmp/openstack-lab/clouds.yaml': lab }).readFile });
  t.same(Object.keys(clouds).sort(), ['site-a', 'site-a-admin', 'site-b']);
  t.equal(clouds['site-b']!.regionName, 'RegionTwo');
});
