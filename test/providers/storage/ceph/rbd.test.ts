/**
 * RbdCli: argv built from the spec's ceph settings (no shell, no key material), --format json on
 * queries only, and rbd's exit status + stderr (recorded on the lab) mapped to DRCTL_E23xx codes.
 */
import t from 'tap';
import { classifyRbdFailure, summarizeStderr } from '../../../../src/providers/storage/ceph/errors.js';
import { connectionFromSpec, RbdCli, resolveKeyringPath } from '../../../../src/providers/storage/ceph/rbd.js';
import { LocalCommandRunner } from '../../../../src/providers/storage/ceph/runner.js';
import { ReplayRunner, STDERR, sample } from './fake-runner.js';

t.test('connection options from the spec', async (t) => {
  t.same(connectionFromSpec({ driver: 'ceph', cluster: 'site-a', pool: 'one' }, {}), { cluster: 'site-a', client: 'admin' });
  t.same(
    connectionFromSpec({ driver: 'ceph', conf: '/etc/ceph/b.conf', pool: 'one', client: 'drctl', keyring: { file: '/etc/ceph/b.client.drctl.keyring' } }, {}),
    { conf: '/etc/ceph/b.conf', client: 'drctl', keyringPath: '/etc/ceph/b.client.drctl.keyring' },
  );
  t.same(
    connectionFromSpec({ driver: 'ceph', cluster: 'site-b', pool: 'one', keyring: { env: 'CEPH_B_KEYRING' } }, { CEPH_B_KEYRING: '/run/secrets/b.keyring\n' }),
    { cluster: 'site-b', client: 'admin', keyringPath: '/run/secrets/b.keyring' },
    '{env} holds a keyring path',
  );
  t.throws(() => connectionFromSpec({ driver: 'ceph', pool: 'one' } as never, {}, 'site-a'), { code: 'DRCTL_E2312', message: /site-a: ceph storage needs `cluster` or `conf`/ });
});

t.test('keyring env refs: unset, or key material instead of a path', async (t) => {
  t.throws(() => resolveKeyringPath({ keyring: { env: 'NOPE' } }, {}, 'site-a'), { code: 'DRCTL_E2312', message: /NOPE \(ceph keyring path\) is not set/ });
  const key = 'AQBz5ntmAAAAABAA0l7X7gmk4c0dXbpX1Lq1zQ==';
  for (const v of [key, `[client.admin]\n\tkey = ${key}\n`]) {
    try {
      resolveKeyringPath({ keyring: { env: 'K' } }, { K: v }, 'site-a');
      t.fail('accepted key material');
    } catch (err) {
      const e = err as Error & { code: string };
      t.equal(e.code, 'DRCTL_E2312');
      t.match(e.message, /must hold the PATH of a keyring file/);
      t.notMatch(e.message, key, 'the key is never echoed');
    }
  }
  t.equal(resolveKeyringPath({}, {}), undefined);
});

t.test('argv: global options first, --format json on queries only, no shell', async (t) => {
  const r = new ReplayRunner()
    .on('mirror pool status one --verbose --format json', sample('snapshot-08-pool-final-site-a.json'))
    .on('mirror image promote', '')
    .on('mirror image snapshot one/vol', 'Snapshot ID: 12\n')
    .on('cp', '');
  const cli = new RbdCli({
    site: 'site-a',
    connection: { cluster: 'site-a', client: 'drctl', keyringPath: '/etc/ceph/site-a.client.drctl.keyring' },
    runner: r,
    connectTimeoutSeconds: 7,
    opTimeoutSeconds: 30,
    commandTimeoutMs: 5000,
    copyTimeoutMs: 60_000,
  });
  const ps = await cli.poolStatus('one');
  t.equal(ps.images.length, 2);
  t.same(r.calls[0]!.args, [
    '--cluster',
    'site-a',
    '--id',
    'drctl',
    '--keyring',
    '/etc/ceph/site-a.client.drctl.keyring',
    '--client-mount-timeout=7',
    '--rados-osd-op-timeout=30',
    '--rados-mon-op-timeout=30',
    'mirror',
    'pool',
    'status',
    'one',
    '--verbose',
    '--format',
    'json',
  ]);
  t.equal(r.calls[0]!.timeoutMs, 5000);
  await cli.promote('one', 'vol', true);
  t.equal(r.calls[1]!.cmd, 'mirror image promote --force one/vol', 'actions take no --format (rbd: unrecognised option)');
  t.equal(await cli.mirrorSnapshot('one', 'vol'), 12);
  await cli.copy('one', 'vol', 'vol-drill-x', ['layering', 'exclusive-lock']);
  t.equal(r.calls[3]!.cmd, 'cp one/vol one/vol-drill-x --image-feature layering,exclusive-lock --no-progress');
  t.equal(r.calls[3]!.timeoutMs, 60_000, 'copies get the long timeout');
  t.same(cli.counts, { 'mirror pool status': 1, 'mirror image promote': 1, 'mirror image snapshot': 1, cp: 1 });

  const conf = new RbdCli({ site: 'b', connection: { conf: '/x/b.conf' }, runner: r, opTimeoutSeconds: 0 });
  t.same(conf.globalArgs(), ['--conf', '/x/b.conf', '--id', 'admin', '--client-mount-timeout=15'], 'op timeouts off with 0');
});

t.test('failures are classified from exit status and stderr (recorded on the lab)', async (t) => {
  const table: Array<[number, string, string]> = [
    [16, STDERR.promoteBusy, 'DRCTL_E2306'],
    [22, STDERR.alreadyPrimary, 'DRCTL_E2308'],
    [22, STDERR.notPrimary, 'DRCTL_E2308'],
    [2, STDERR.noImage, 'DRCTL_E2305'],
    [110, STDERR.unreachable, 'DRCTL_E2301'],
    [2, STDERR.noKeyring, 'DRCTL_E2304'],
    [30, STDERR.readOnly, 'DRCTL_E2309'],
    [110, STDERR.resyncTimedOut, 'DRCTL_E2301'],
    [22, STDERR.poolNotMirrored, 'DRCTL_E2308'],
    [16, STDERR.watchers, 'DRCTL_E2306'],
    [1, STDERR.unknownFormat, 'DRCTL_E2310'],
    [13, 'rbd: listing images failed: (13) Permission denied\n', 'DRCTL_E2304'],
    [17, 'rbd: create error: (17) File exists\n', 'DRCTL_E2307'],
    [5, 'rbd: error: (5) Input/output error\n', 'DRCTL_E2310'],
  ];
  for (const [code, stderr, want] of table) t.equal(classifyRbdFailure(code, stderr), want, `${code}: ${summarizeStderr(stderr)}`);

  t.equal(
    summarizeStderr(STDERR.promoteBusy),
    'rbd: error promoting image to primary (image is primary within a remote cluster or demotion is not propagated yet)',
  );
  t.equal(summarizeStderr(STDERR.unreachable), 'rbd: listing images failed: (110) Connection timed out (authenticate timed out after 5)');
  t.equal(summarizeStderr(''), '');

  const r = new ReplayRunner().on('mirror image promote', { fail: 16, stderr: STDERR.promoteBusy });
  const cli = new RbdCli({ site: 'site-b', connection: { cluster: 'site-b' }, runner: r });
  const err = await cli.promote('one', 'vol').catch((e: unknown) => e);
  t.match(err, {
    code: 'DRCTL_E2306',
    message: 'site-b: rbd mirror image promote one/vol failed: rbd: error promoting image to primary (image is primary within a remote cluster or demotion is not propagated yet)',
    details: { provider: 'ceph', site: 'site-b', exitCode: 16 },
  });
});

t.test('LocalCommandRunner: execFile without a shell, exit codes, spawn failures, timeouts', async (t) => {
  const run = new LocalCommandRunner({ timeoutMs: 10_000 });
  const okRes = await run.run(process.execPath, ['-e', 'process.stdout.write(process.argv[1]); process.stderr.write("e")', '$(echo no shell) ; *']);
  t.same(okRes, { code: 0, stdout: '$(echo no shell) ; *', stderr: 'e' }, 'argv reaches the program verbatim');
  const failRes = await run.run(process.execPath, ['-e', 'process.stderr.write("rbd: boom"); process.exit(22)']);
  t.same(failRes, { code: 22, stdout: '', stderr: 'rbd: boom' }, 'a non-zero exit resolves');
  await t.rejects(run.run('/nonexistent/rbd', []), { code: 'DRCTL_E2303', message: /cannot run \/nonexistent\/rbd: ENOENT/ });
  const killed = await run.run(process.execPath, ['-e', 'process.kill(process.pid, "SIGKILL")']);
  t.same(killed, { code: null, stdout: '', stderr: '', signal: 'SIGKILL' }, 'killed by someone else: resolves with the signal');
  const sigCli = new RbdCli({ site: 'site-b', connection: { cluster: 'site-b' }, runner: { run: async () => killed } });
  await t.rejects(sigCli.mirrorSnapshot('one', 'v'), { code: 'DRCTL_E2310', message: 'site-b: rbd mirror image snapshot one/v failed: killed by SIGKILL (not by drctl)' });
  // a hung rbd (monitors gone, no client timeout) is killed: real process, 300 ms bound
  await t.rejects(run.run(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { timeoutMs: 300 }), { code: 'DRCTL_E2302', message: /did not finish within 0s and was killed/ });

  const cli = new RbdCli({ site: 'site-a', connection: { cluster: 'site-a' }, runner: run, rbdPath: '/nonexistent/rbd' });
  await t.rejects(cli.list('one'), { code: 'DRCTL_E2303', message: /^site-a: rbd ls: cannot run/ });
});
