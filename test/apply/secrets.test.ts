/**
 * Secrets scan (invariant 6): a life cycle through the built CLI — converge, a planned failover from a
 * saved plan, a failback that fails on a Cinder policy 403 and is resumed, a site going unreachable —
 * with array API tokens set through the environment (FA_A_TOKEN / FA_B_TOKEN, which the mock arrays
 * are made to accept) and distinctive mock Keystone passwords and application-credential secrets. Then
 * every artefact is scanned for every secret value and for the shapes of the session tokens the mock
 * issued (Keystone X-Auth-Token `gAAAAA…`, Pure x-auth-token): the state file and its backup, saved
 * plan files, the HTML report, and stdout/stderr of every command (plan, apply, status, ops, state,
 * report, show, validate; with --debug too).
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { MockWorld } from '../../src/mock/index.js';
import { issueToken } from '../../src/mock/keystone.js';
import { issueSession } from '../../src/mock/pure.js';
import { repoRoot, type CliResult } from '../helpers/cli.js';
import { assertBuilt, drctl, editSpec, readState, SPEC, STATE, WORLD } from './crash-harness.js';

t.setTimeout(600_000);

const ENV_TOKENS = { FA_A_TOKEN: 'fa-a-T0KEN-5e1f9c2b7a4d43e8', FA_B_TOKEN: 'fa-b-T0KEN-90c3d7e1a2b64f55' };
const EXTRA_ENV = { OS_PASSWORD: 'os-env-Passw0rd-3c9e71' };
/** Shapes of what the mock issues at runtime: Keystone tokens and Pure REST sessions ({"s":"site-…). */
const TOKEN_SHAPES: Array<[string, RegExp]> = [
  ['keystone token', /gAAAAA[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}/],
  ['pure session', /eyJzIjoi[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}/],
];

t.test('no password, token or secret in state, plans, report or any output', async (t) => {
  assertBuilt();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'drctl-secrets-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await copyFile(path.join(repoRoot, 'examples/prod-web-app.yaml'), path.join(dir, SPEC));
  const env = { ...ENV_TOKENS, ...EXTRA_ENV };
  const outputs: Array<{ cmd: string; r: CliResult }> = [];
  const run = async (args: string[], want: number | null = 0): Promise<CliResult> => {
    const r = await drctl(dir, args, { env });
    outputs.push({ cmd: args.join(' '), r });
    if (want !== null) t.equal(r.code, want, `drctl ${args.join(' ')} exits ${want}`, { stderr: r.stderr.slice(-2000) });
    return r;
  };

  await run(['mock', 'init', SPEC, '--boot-seconds', '0', '--stop-seconds', '0', '--start-seconds', '0', '--transfer-seconds', '0']);
  // The arrays accept the env tokens; Keystone users get distinctive passwords.
  const secrets = new Map<string, string>(Object.entries(env).map(([k, v]) => [v, k]));
  {
    const w = await MockWorld.open(path.join(dir, WORLD));
    for (const [name, token] of [['site-a', ENV_TOKENS.FA_A_TOKEN], ['site-b', ENV_TOKENS.FA_B_TOKEN]] as const) {
      const site = w.site(name);
      if (site.storage.driver === 'pure') site.storage.pure.apiToken = token;
      site.keystone.users.admin.password = `${name}-Adm1n-pw-8d2f6a41`;
      site.keystone.users.member.password = `${name}-Memb3r-pw-1b7e93c0`;
      secrets.set(site.keystone.users.admin.password, `${name} admin password`);
      secrets.set(site.keystone.users.member.password, `${name} member password`);
      for (const ac of site.keystone.appCredentials) secrets.set(ac.secret, `${name} application credential secret`);
    }
    secrets.set(w.data.secret, 'mock token-signing secret');
    // The shapes really match what the mock issues (the scan would see a leaked token).
    const ks = issueToken(w, { s: 'site-a', u: w.site('site-a').keystone.users.member.id, p: w.site('site-a').keystone.project.id, m: ['password'], i: w.now(), e: w.now() + 3_600_000, a: 'audit' } as Parameters<typeof issueToken>[1]);
    t.match(ks, TOKEN_SHAPES[0]![1], 'keystone token shape');
    t.match(issueSession(w, 'site-a'), TOKEN_SHAPES[1]![1], 'pure session shape');
    w.touch();
    await w.commit();
  }

  await run(['validate', SPEC]);
  await run(['--debug', 'apply', '--auto-approve', SPEC]); // converge: capture member metadata
  await editSpec(dir, { activeSite: 'site-b' });
  await mkdir(path.join(dir, 'plans'), { recursive: true });
  await run(['plan', SPEC]);
  await run(['plan', '--json', SPEC]);
  await run(['plan', '--markdown', SPEC]);
  await run(['--debug', 'plan', SPEC, '--out', 'plans/failover.json']);
  await run(['show', 'plans/failover.json']);
  await run(['--debug', 'apply', 'plans/failover.json']);
  await run(['--debug', 'status', SPEC]);
  await run(['status', '--json', SPEC]);

  // A failback that fails on the Cinder policy, then resumes.
  await editSpec(dir, { activeSite: 'site-a' });
  await run(['mock', 'fault', 'add', 'site-a', 'policy-denied', '--api', 'cinder.volume_manage']);
  await run(['--debug', 'apply', '--auto-approve', SPEC], 1);
  await run(['mock', 'fault', 'clear']);
  await run(['--debug', 'apply', '--auto-approve', '--json', SPEC]);

  // A site that does not answer.
  await run(['mock', 'fault', 'add', 'site-b', 'unreachable']);
  await run(['--debug', 'plan', SPEC], null);
  await run(['--debug', 'status', SPEC], null);
  await run(['mock', 'fault', 'clear']);

  const state = (await readState(dir))!;
  t.ok(state.operations.length >= 3, 'the journal has the operations');
  const opId = state.operations.find((o) => o.type === 'failback')!.id;
  await run(['ops', 'list']);
  await run(['ops', 'list', '--json']);
  await run(['ops', 'show', opId]);
  await run(['--debug', 'ops', 'show', opId, '--json']);
  await run(['state', 'show']);
  await run(['state', 'show', '--json']);
  await run(['--debug', 'report', opId, '--out', 'failback.html']);
  await run(['report', opId, '--out=-']);
  await run(['mock', 'show']);

  // The scan is not vacuous: the commands did their work and --debug printed the HTTP traffic.
  const all = outputs.map((o) => `${o.r.stdout}\n${o.r.stderr}`).join('\n');
  t.match(all, /\[debug\] site-a keystone POST \/identity\/v3\/auth\/tokens → 201/, '--debug printed requests');
  t.match(all, /\[debug\] site-b pure POST \/array\/api\/2\.\d+\/login → 200/, '--debug printed the array login (with the env token)');
  t.match(all, /volume_extension:volume_manage/, 'the 403 was reported');

  const files = [path.join(dir, STATE), path.join(dir, `${STATE}.backup`), path.join(dir, 'plans/failover.json'), path.join(dir, 'failback.html')];
  for (const f of await readdir(dir)) {
    const p = path.join(dir, f);
    if (!files.includes(p) && !f.startsWith(WORLD) && !f.startsWith(`.${WORLD}`) && f !== SPEC && f !== 'plans' && existsSync(p)) files.push(p);
  }
  const artefacts: Array<{ name: string; text: string }> = [];
  for (const f of files) {
    t.ok(existsSync(f), `${path.basename(f)} exists`);
    if (existsSync(f)) artefacts.push({ name: path.relative(dir, f), text: await readFile(f, 'utf8') });
  }
  for (const o of outputs) {
    artefacts.push({ name: `stdout of drctl ${o.cmd}`, text: o.r.stdout });
    artefacts.push({ name: `stderr of drctl ${o.cmd}`, text: o.r.stderr });
  }

  let leaks = 0;
  for (const a of artefacts) {
    for (const [value, what] of secrets) {
      if (a.text.includes(value)) {
        leaks += 1;
        t.fail(`${what} appears in ${a.name}`);
      }
    }
    for (const [what, re] of TOKEN_SHAPES) {
      const m = re.exec(a.text);
      if (m) {
        leaks += 1;
        t.fail(`a ${what} appears in ${a.name}: ${m[0].slice(0, 12)}…`);
      }
    }
  }
  t.equal(leaks, 0, `no secret in ${artefacts.length} artefacts (${secrets.size} secret values, ${TOKEN_SHAPES.length} token shapes)`);
});
