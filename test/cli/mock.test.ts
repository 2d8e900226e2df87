/** drctl mock init/show/fault/advance/serve through the built CLI. */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { main } from '../../src/cli/main.js';
import { memoryIo } from '../../src/cli/io.js';
import { setIoFactory } from '../../src/cli/run.js';
import { drctlBin, repoRoot, runCli } from '../helpers/cli.js';

const example = path.join(repoRoot, 'examples', 'prod-web-app.yaml');

function workdir(): string {
  return mkdtempSync(path.join(tmpdir(), 'drctl-cli-mock-'));
}

t.test('mock init writes .drctl/mock-world.json and refuses to overwrite it', async (t) => {
  const cwd = workdir();
  const r = await runCli(['mock', 'init', example], { cwd });
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /Mock world written to \.drctl\/mock-world\.json: site-a \+ site-b, 5 servers, 6 volumes, 1 group\(s\) replicating\./);
  t.ok(existsSync(path.join(cwd, '.drctl', 'mock-world.json')));
  const again = await runCli(['mock', 'init', example], { cwd });
  t.equal(again.code, 1);
  t.match(again.stderr, /a mock world already exists .*\[DRCTL_E5002\]/);
  t.match(again.stderr, /--force/);
  t.notMatch(again.stderr, /at .*\.js:\d+/, 'no stack trace');
  const forced = await runCli(['mock', 'init', example, '--force', '--boot-seconds', '3', '--transfer-seconds', '5'], { cwd });
  t.equal(forced.code, 0, forced.stderr);
  const world = JSON.parse(readFileSync(path.join(cwd, '.drctl', 'mock-world.json'), 'utf8'));
  t.match(world.settings, { bootSeconds: 3, transferSeconds: 5, stopSeconds: 0.5 });
});

t.test('mock init with an invalid spec makes no world', async (t) => {
  const cwd = workdir();
  writeFileSync(path.join(cwd, 'bad.yaml'), 'apiVersion: drctl/v1\nkind: DRSpec\n');
  const r = await runCli(['mock', 'init', 'bad.yaml'], { cwd });
  t.equal(r.code, 1);
  t.match(r.stderr, /bad\.yaml:\d+:\d+/);
  t.notOk(existsSync(path.join(cwd, '.drctl', 'mock-world.json')));
});

t.test('mock show, fault add/list/clear, advance (in-process CLI, --mock-world)', async (t) => {
  const cwd = workdir();
  const file = path.join(cwd, 'w.json');
  const w = ['--mock-world', file];
  const run = async (...args: string[]) => {
    const io = memoryIo();
    setIoFactory(() => io);
    const code = await main([...args, ...w]);
    return { code, stdout: io.stdout.join('\n'), stderr: io.stderr.join('\n') };
  };
  t.equal((await run('mock', 'init', example)).code, 0);
  const shown = await run('mock', 'show', '--json');
  t.equal(shown.code, 0, shown.stderr);
  const s = JSON.parse(shown.stdout);
  t.equal(s.sites['site-a'].servers.length, 5);
  t.ok(s.sites['site-a'].servers.every((x: { status: string }) => x.status === 'ACTIVE'));
  t.equal(s.sites['site-b'].servers.length, 0);
  t.match(s.sites['site-b'].storage.protectionGroups, [{ name: 'fa-a:pg-prod-web-app', role: 'target', lagSeconds: Number }]);
  const text = await run('mock', 'show');
  t.match(text.stdout, /pg pg-prod-web-app: source → fa-b, every 300s/);
  t.match(text.stdout, /db-server-1\s+ACTIVE\s+prod-web-app\/production/);

  const add = (...args: string[]) => run('mock', 'fault', 'add', ...args);
  t.match((await add('site-b', 'unreachable')).stdout, /Added fault f\d+: site-b unreachable/);
  t.equal((await add('site-a', 'error', '--api', 'nova.servers.create', '--status', '500', '--count', '2')).code, 0);
  t.equal((await add('site-a', 'latency', '--ms', '50')).code, 0);
  t.equal((await add('site-a', 'policy-denied', '--api', 'cinder.volume_manage')).code, 0);
  t.equal((await add('site-b', 'missing-flavor', 'm2.large')).code, 0);
  t.equal((await add('site-b', 'missing-network', 'net-secondary-web')).code, 0);
  t.equal((await add('site-a', 'replication-down')).code, 0);
  const bad = await add('site-a', 'error', '--api', 'nova.nope', '--status', '500');
  t.equal(bad.code, 1);
  t.match(bad.stderr, /unknown API name 'nova\.nope' \[DRCTL_E5005\]/);
  t.match(bad.stderr, /drctl mock fault apis/);
  t.equal((await add('site-z', 'unreachable')).code, 1);
  const list = JSON.parse((await run('mock', 'fault', 'list', '--json')).stdout);
  t.same(list.map((f: { kind: string }) => f.kind), ['unreachable', 'error', 'latency', 'policy-denied', 'missing-flavor', 'missing-network', 'replication-down']);
  t.match(list[1], { api: 'nova.servers.create', status: 500, remaining: 2, text: 'site-a error nova.servers.create → 500 (2 left)' });
  t.match((await run('mock', 'show')).stdout, /site-b \(RegionTwo\)\s+UNREACHABLE/);
  t.match((await run('mock', 'fault', 'clear', 'site-b')).stdout, /Cleared 3 fault\(s\) on site-b\./);
  t.match((await run('mock', 'fault', 'clear')).stdout, /Cleared 4 fault\(s\)\./);
  t.match((await run('mock', 'fault', 'list')).stdout, /No faults\./);
  t.match((await run('mock', 'fault', 'apis')).stdout, /cinder\.volume_manage\s+POST \/manageable_volumes/);

  const t0 = Date.parse(s.simulatedTime);
  const adv = await run('mock', 'advance', '5m');
  t.equal(adv.code, 0, adv.stderr);
  const after = JSON.parse((await run('mock', 'show', '--json')).stdout);
  t.equal(after.clockOffsetSeconds, 300);
  t.ok(Date.parse(after.simulatedTime) - t0 >= 300_000);
  const badDur = await run('mock', 'advance', 'soon');
  t.equal(badDur.code, 1);
  t.match(badDur.stderr, /'soon' is not a duration \[DRCTL_E5006\]/);
  const io = memoryIo();
  setIoFactory(() => io);
  t.equal(await main(['mock', 'show', '--mock-world', path.join(cwd, 'missing.json')]), 1);
  t.match(io.stderr.join('\n'), /no mock world at .*missing\.json \[DRCTL_E5001\]/);
});

t.test('mock serve: a plain HTTP client authenticates and follows the catalog; clouds.yaml is written', async (t) => {
  const cwd = workdir();
  t.equal((await runCli(['mock', 'init', example], { cwd })).code, 0);
  const child = spawn(process.execPath, [drctlBin, 'mock', 'serve'], { cwd, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`mock serve did not start: ${out}`)), 30_000);
    child.stdout.on('data', () => {
      if (/clouds\.yaml: /.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', () => reject(new Error(`mock serve exited: ${out}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const cloudsFile = path.join(cwd, '.drctl', 'mock-clouds.yaml');
  const clouds = readFileSync(cloudsFile, 'utf8');
  t.match(clouds, /site-a:\n\s+auth:\n\s+auth_url: http:\/\/127\.0\.0\.1:\d+\/identity\/v3/);
  t.match(clouds, /site-b-admin:/);
  t.match(clouds, /site-a-appcred:\n\s+auth_type: v3applicationcredential/);
  const authUrl = /site-a: (http:\/\/\S+)/.exec(out)![1]!;
  const pw = /site-a:\n\s+auth:\n(?:.*\n)*?\s+password: (\S+)/.exec(clouds)![1]!;
  const res = await fetch(`${authUrl}/auth/tokens`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: 'dr-operator', domain: { name: 'Default' }, password: pw } } }, scope: { project: { name: 'production-project', domain: { name: 'Default' } } } } }),
  });
  t.equal(res.status, 201);
  const token = res.headers.get('x-subject-token')!;
  const body = (await res.json()) as { token: { catalog: { type: string; endpoints: { url: string }[] }[] } };
  const compute = body.token.catalog.find((c) => c.type === 'compute')!.endpoints[0]!.url;
  const servers = await fetch(`${compute}/servers/detail`, { headers: { 'X-Auth-Token': token, 'OpenStack-API-Version': 'compute 2.79' } });
  t.equal(servers.status, 200);
  t.equal(((await servers.json()) as { servers: unknown[] }).servers.length, 5);
  t.match(out, /array: http:\/\/127\.0\.0\.1:\d+\/array\s+api-token: \S+/);
  child.kill('SIGINT');
  t.equal(await exited, 0, 'Ctrl-C stops it cleanly');
});
