/** drctl plan --mock end to end (built CLI, embedded mock world): flip activeSite / drill in the examples. */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { repoRoot, runCli } from '../helpers/cli.js';

const examples = ['prod-web-app', 'metro-sync'];

for (const ex of examples) {
  t.test(`drctl plan --mock ${ex}`, async (t) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'drctl-plan-e2e-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    const text = await readFile(path.join(repoRoot, 'examples', `${ex}.yaml`), 'utf8');
    await writeFile(path.join(dir, 'spec.yaml'), text);
    await writeFile(path.join(dir, 'failover.yaml'), text.replace(/activeSite: site-a/g, 'activeSite: site-b'));
    await writeFile(path.join(dir, 'drill.yaml'), text.replace(/drill: false/g, 'drill: true'));
    const init = await runCli(['mock', 'init', 'spec.yaml'], { cwd: dir });
    t.equal(init.code, 0, init.stderr);

    const fo = await runCli(['plan', '--mock', 'failover.yaml', '--detailed-exitcode', '--out', 'plans/fo.json'], { cwd: dir });
    t.equal(fo.code, 2, fo.stderr);
    t.match(fo.stdout, /: failover site-a → site-b \(planned\) · \d+ VMs · promote \S+ on site-b · data at risk: none/);
    t.match(fo.stdout, /\nPlan: .*\d+ failover.*; \d+ steps\.\n$/);
    const shown = await runCli(['show', 'plans/fo.json', '--json'], { cwd: dir });
    t.equal(shown.code, 0);
    t.equal(JSON.parse(shown.stdout).format_version, 1);

    if (text.includes('drill: false')) {
      const drill = await runCli(['plan', '--mock', 'drill.yaml', '--markdown'], { cwd: dir });
      t.equal(drill.code, 0, drill.stderr);
      t.match(drill.stdout, /\| drill[^|]*\| site-a → site-b \| 5 \|/);
    }

    const fault = await runCli(['mock', 'fault', 'add', 'site-a', 'unreachable'], { cwd: dir });
    t.equal(fault.code, 0, fault.stderr);
    const blocked = await runCli(['plan', '--mock', 'failover.yaml'], { cwd: dir });
    t.equal(blocked.code, 3, 'a safety gate: exit 3');
    // planned: E3001 with the data at risk; failover.mode unplanned without captured metadata: E3019.
    t.match(blocked.stdout, /\[DRCTL_E30(01|19)\]\n\s+way out: (set failover\.mode: unplanned or pass --allow-data-loss to accept up to|restore site-a)/);
  });
}
