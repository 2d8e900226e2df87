/**
 * `drctl mock ...`: create, inspect, serve and disturb the embedded two-site mock world.
 * The work lives in src/mock; this file parses arguments and renders.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { DrctlError, ExitCode } from '../../errors.js';
import { formatDiagnostic } from '../../spec/diagnostics.js';
import { DEFAULT_MOCK_WORLD, type GlobalArgs } from '../context.js';
import type { IoHost } from '../io.js';
import { wrap } from '../run.js';

function worldPath(argv: GlobalArgs): string {
  return path.resolve(argv['mock-world'] ?? DEFAULT_MOCK_WORLD);
}

const mock = () => import('../../mock/index.js');

async function openWorld(argv: GlobalArgs) {
  const { MockWorld } = await mock();
  return MockWorld.open(worldPath(argv));
}

// ------------------------------------------------------------------ init

interface InitArgs {
  spec: string;
  force?: boolean;
  'boot-seconds'?: number;
  'stop-seconds'?: number;
  'start-seconds'?: number;
  'transfer-seconds'?: number;
}

async function runInit(argv: InitArgs & GlobalArgs, io: IoHost): Promise<number> {
  const { loadSpec } = await import('../../spec/load.js');
  const r = await loadSpec(argv.spec);
  for (const d of r.diagnostics) io.info(formatDiagnostic(d));
  if (!r.ok) {
    io.error(`${argv.spec} is not a valid spec; no mock world was made.`);
    return ExitCode.error;
  }
  const settings: Record<string, number> = {};
  for (const [flag, key] of [
    ['boot-seconds', 'bootSeconds'],
    ['stop-seconds', 'stopSeconds'],
    ['start-seconds', 'startSeconds'],
    ['transfer-seconds', 'transferSeconds'],
  ] as const) {
    const v = argv[flag];
    if (v === undefined) continue;
    if (!Number.isFinite(v) || v < 0) throw new DrctlError('DRCTL_E5006', `--${flag} must be a number of seconds >= 0`);
    settings[key] = v;
  }
  const { initWorld, summarize } = await mock();
  const file = worldPath(argv);
  const world = await initWorld(file, r.loaded.spec, { force: argv.force, settings, source: { file: r.loaded.file, digest: r.loaded.digest } });
  const s = summarize(world);
  const servers = Object.values(s.sites).reduce((n, x) => n + x.servers.length, 0);
  const volumes = Object.values(s.sites).reduce((n, x) => n + x.volumes.length, 0);
  io.out(`Mock world written to ${path.relative(process.cwd(), file) || file}: ${Object.keys(s.sites).join(' + ')}, ${servers} servers, ${volumes} volumes, ${Object.keys(r.loaded.spec.groups).length} group(s) replicating.`);
  io.info('Next: drctl mock show · drctl plan --mock SPEC · drctl mock serve');
  return ExitCode.ok;
}

// ------------------------------------------------------------------ show / advance

async function runShow(argv: { json?: boolean } & GlobalArgs, io: IoHost): Promise<number> {
  const { summarize, renderSummary } = await mock();
  const s = summarize(await openWorld(argv));
  io.out(argv.json ? JSON.stringify(s, null, 2) : renderSummary(s));
  return ExitCode.ok;
}

async function runAdvance(argv: { duration: string } & GlobalArgs, io: IoHost): Promise<number> {
  const { parseDurationMs, MockCode } = await mock();
  const ms = parseDurationMs(argv.duration);
  if (ms === undefined) {
    throw new DrctlError(MockCode.badDuration, `'${argv.duration}' is not a duration`, { hint: 'Use N followed by ms, s, m, h or d, e.g. 90s, 5m, 2h.' });
  }
  const world = await openWorld(argv);
  world.advance(ms);
  await world.commit();
  io.out(`Simulated time is now ${new Date(world.now()).toISOString()} (clock offset ${Math.round(world.data.clockOffsetMs / 1000)}s).`);
  return ExitCode.ok;
}

// ------------------------------------------------------------------ faults

interface FaultAddArgs {
  site: string;
  kind: string;
  name?: string;
  ms?: number;
  api?: string;
  status?: number;
  count?: number;
}

async function runFaultAdd(argv: FaultAddArgs & GlobalArgs, io: IoHost): Promise<number> {
  const { addFault, describeFault } = await mock();
  const world = await openWorld(argv);
  const f = addFault(world, {
    site: argv.site,
    kind: argv.kind as never,
    ms: argv.ms,
    api: argv.api,
    status: argv.status,
    count: argv.count,
    name: argv.name,
  });
  await world.commit();
  io.out(`Added fault ${f.id}: ${describeFault(f)}`);
  return ExitCode.ok;
}

async function runFaultClear(argv: { site?: string } & GlobalArgs, io: IoHost): Promise<number> {
  const { clearFaults } = await mock();
  const world = await openWorld(argv);
  const n = clearFaults(world, argv.site);
  await world.commit();
  io.out(`Cleared ${n} fault(s)${argv.site ? ` on ${argv.site}` : ''}.`);
  return ExitCode.ok;
}

async function runFaultList(argv: { json?: boolean } & GlobalArgs, io: IoHost): Promise<number> {
  const { describeFault } = await mock();
  const world = await openWorld(argv);
  const faults = world.data.faults;
  if (argv.json) io.out(JSON.stringify(faults.map((f) => ({ ...f, since: new Date(f.since).toISOString(), text: describeFault(f) })), null, 2));
  else if (!faults.length) io.out('No faults.');
  else for (const f of faults) io.out(`${f.id}  ${describeFault(f)}  (since ${new Date(f.since).toISOString()})`);
  return ExitCode.ok;
}

async function runFaultApis(argv: { json?: boolean }, io: IoHost): Promise<number> {
  const { MOCK_APIS } = await mock();
  if (argv.json) io.out(JSON.stringify(MOCK_APIS, null, 2));
  else for (const [k, v] of Object.entries(MOCK_APIS)) io.out(`${k.padEnd(42)} ${v}`);
  return ExitCode.ok;
}

const faultCommand: CommandModule = {
  command: 'fault',
  describe: 'Inject, list or clear faults (persisted in the world; a running mock serve sees them)',
  builder: (y: Argv) =>
    y
      .command({
        command: 'add <site> <kind> [name]',
        describe:
          'Add a fault. Kinds: unreachable · latency --ms N · error --api NAME --status CODE [--count N] · policy-denied --api NAME · missing-flavor NAME · missing-network NAME · replication-down',
        builder: (yy) =>
          yy
            .positional('site', { type: 'string', describe: 'Site name' })
            .positional('kind', {
              type: 'string',
              choices: ['unreachable', 'latency', 'error', 'policy-denied', 'missing-flavor', 'missing-network', 'replication-down'],
            })
            .positional('name', { type: 'string', describe: 'Flavor or network name (missing-flavor / missing-network)' })
            .option('ms', { type: 'number', describe: 'latency: milliseconds added to every call' })
            .option('api', { type: 'string', describe: 'error / policy-denied: API name (see drctl mock fault apis)' })
            .option('status', { type: 'number', describe: 'error: HTTP status (rbd.* names: exit code)' })
            .option('count', { type: 'number', describe: 'error: fail this many times, then succeed (default: until cleared)' }),
        handler: wrap<FaultAddArgs>(runFaultAdd),
      })
      .command({
        command: 'clear [site]',
        describe: 'Clear all faults, or those of one site',
        builder: (yy) => yy.positional('site', { type: 'string' }),
        handler: wrap<{ site?: string }>(runFaultClear),
      })
      .command({
        command: 'list',
        describe: 'List active faults',
        builder: (yy) => yy.option('json', { type: 'boolean' }),
        handler: wrap<{ json?: boolean }>(runFaultList),
      })
      .command({
        command: 'apis',
        describe: 'List the API names usable with --api',
        builder: (yy) => yy.option('json', { type: 'boolean' }),
        handler: wrap<{ json?: boolean }>(runFaultApis),
      })
      .demandCommand(1),
  handler: () => undefined,
};

// ------------------------------------------------------------------ serve

async function runServe(argv: { port?: number; host?: string } & GlobalArgs, io: IoHost): Promise<number> {
  const { startMockServer, mockCloudsYaml } = await mock();
  const file = worldPath(argv);
  if (argv.port !== undefined && (!Number.isInteger(argv.port) || argv.port < 1 || argv.port > 65534)) {
    throw new DrctlError('DRCTL_E5008', '--port must be an integer 1-65534 (site 2 listens on port + 1)');
  }
  const handle = await startMockServer({ worldPath: file, host: argv.host ?? '127.0.0.1', basePort: argv.port });
  const cloudsFile = path.join(path.dirname(file), 'mock-clouds.yaml');
  mkdirSync(path.dirname(cloudsFile), { recursive: true });
  writeFileSync(cloudsFile, mockCloudsYaml(handle), { mode: 0o600 });
  chmodSync(cloudsFile, 0o600);
  io.out(`drctl mock serving ${path.relative(process.cwd(), file) || file}`);
  for (const [name, access] of Object.entries(handle.sites)) {
    io.out(`  ${name}: ${access.cloud.auth.authUrl}  (clouds: ${access.cloud.name}, ${access.adminCloud.name}, ${name}-appcred)`);
    const st = access.storage;
    if (st.driver === 'pure') io.out(`    array: ${st.endpoint}  api-token: ${st.apiToken}  (mock credential)`);
    else io.out(`    ceph: cluster ${st.cluster}, pool ${st.pool} (rbd is emulated in-process: drctl --mock)`);
  }
  io.out(`clouds.yaml: ${cloudsFile}  (export OS_CLIENT_CONFIG_FILE=${cloudsFile})`);
  io.info('Press Ctrl-C to stop. Faults added with drctl mock fault ... apply while this runs.');
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await handle.close();
  io.info('mock server stopped; the world file keeps its state.');
  return ExitCode.ok;
}

export const mockCommand: CommandModule = {
  command: 'mock',
  describe: 'The embedded two-site mock world (for demos and CI)',
  builder: (y) =>
    y
      .command({
        command: 'init <spec>',
        describe: 'Create a mock world consistent with a spec (members running on their primary site, replication current)',
        builder: (yy) =>
          yy
            .positional('spec', { type: 'string', describe: 'DR spec YAML file' })
            .option('force', { type: 'boolean', describe: 'Replace an existing world' })
            .option('boot-seconds', { type: 'number', describe: 'Seconds from server create to ACTIVE (default 1)' })
            .option('stop-seconds', { type: 'number', describe: 'Seconds from os-stop to SHUTOFF (default 0.5)' })
            .option('start-seconds', { type: 'number', describe: 'Seconds from os-start to ACTIVE (default 0.5)' })
            .option('transfer-seconds', { type: 'number', describe: 'Seconds an array snapshot takes to replicate (default 2)' }),
        handler: wrap<InitArgs>(runInit),
      })
      .command({
        command: 'show',
        describe: 'Show the mock world: servers and volumes per site, array roles and lag, faults, simulated time',
        builder: (yy) => yy.option('json', { type: 'boolean' }),
        handler: wrap<{ json?: boolean }>(runShow),
      })
      .command({
        command: 'serve',
        describe: 'Serve the mock world over HTTP in the foreground and write .drctl/mock-clouds.yaml',
        builder: (yy) =>
          yy
            .option('port', { type: 'number', describe: 'Port of the first site (the second uses port + 1); default ephemeral' })
            .option('host', { type: 'string', describe: 'Address to listen on (default 127.0.0.1)' }),
        handler: wrap<{ port?: number; host?: string }>(runServe),
      })
      .command(faultCommand)
      .command({
        command: 'advance <duration>',
        describe: 'Move simulated time forward (e.g. 5m, 90s, 2h)',
        builder: (yy) => yy.positional('duration', { type: 'string' }),
        handler: wrap<{ duration: string }>(runAdvance),
      })
      .demandCommand(1),
  handler: () => undefined,
};
