import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CommandModule } from 'yargs';
import type { Inventory } from '../../discovery/types.js';
import { DrctlError, ExitCode } from '../../errors.js';
import { buildPlan } from '../../plan/build.js';
import { PlanCode } from '../../plan/codes.js';
import { journalViewFromState } from '../../plan/journal.js';
import { serializePlan } from '../../plan/planfile.js';
import { renderJson } from '../../plan/render/json.js';
import { renderMarkdown } from '../../plan/render/markdown.js';
import { renderText } from '../../plan/render/text.js';
import type { JournalView } from '../../plan/types.js';
import { formatDiagnostic } from '../../spec/diagnostics.js';
import { loadSpec, type SpecLoadResult } from '../../spec/load.js';
import type { LoadedSpec } from '../../spec/types.js';
import { readStateFile } from '../../state/adapter.js';
import { discoverForCli } from '../connect.js';
import { DEFAULT_STATE, type GlobalArgs } from '../context.js';
import type { IoHost } from '../io.js';
import { wrap } from '../run.js';

export interface PlanArgs extends GlobalArgs {
  spec: string;
  out?: string;
  json?: boolean;
  markdown?: boolean;
  target?: string[];
  'detailed-exitcode'?: boolean;
  'allow-data-loss'?: boolean;
  'discard-site'?: string;
  'max-age'?: number;
}

/** Discovery of both sites for a spec: the one seam through which plan reaches the world. */
export type Discover = (loaded: LoadedSpec, args: GlobalArgs) => Promise<Inventory>;

export interface PlanDeps {
  loadSpec: (file: string) => Promise<SpecLoadResult>;
  discover: Discover;
  journal: (args: GlobalArgs) => Promise<JournalView>;
  writeFile: (file: string, text: string) => Promise<void>;
  now: () => Date;
}

/** Reads the state (snapshot + its log; absent = empty journal) into the planner's JournalView. */
export async function readJournalView(args: GlobalArgs): Promise<JournalView> {
  return journalViewFromState(await readStateFile(args.state ?? DEFAULT_STATE));
}

export async function runPlan(argv: PlanArgs, io: IoHost, deps: PlanDeps): Promise<number> {
  if (argv.json && argv.markdown) throw new DrctlError(PlanCode.viewConflict, '--json and --markdown are exclusive', { hint: 'pick one view' });
  const res = await deps.loadSpec(argv.spec);
  for (const d of res.diagnostics) (d.severity === 'error' ? io.error : io.warn)(formatDiagnostic(d));
  if (!res.ok) return ExitCode.error;
  const loaded = res.loaded;
  if (argv['discard-site'] && !loaded.spec.sites[argv['discard-site']]) {
    throw new DrctlError(PlanCode.unknownTarget, `--discard-site ${argv['discard-site']} is not a site of the spec`, { hint: `sites: ${Object.keys(loaded.spec.sites).join(', ')}` });
  }
  const [inventory, journal] = await Promise.all([deps.discover(loaded, argv), deps.journal(argv)]);
  const plan = buildPlan(loaded.spec, inventory, journal, {
    now: deps.now(),
    specDigest: loaded.digest,
    specFile: argv.spec,
    ...(argv.target?.length ? { targets: argv.target } : {}),
    ...(argv['allow-data-loss'] ? { allowDataLoss: true } : {}),
    ...(argv['discard-site'] ? { discardSite: argv['discard-site'] } : {}),
    ...(argv['max-age'] ? { maxAgeMinutes: argv['max-age'] } : {}),
  });
  if (argv.target?.length) io.warn(plan.warnings[0] ?? 'resource targeting is in effect');
  if (argv.out) {
    await deps.writeFile(argv.out, serializePlan(plan));
    io.info(`Saved the plan to ${argv.out} (valid until ${plan.bindings!.expiresAt}). Apply exactly this plan with: drctl apply ${argv.out}`);
  }
  if (argv.json) io.out(renderJson(plan));
  else if (argv.markdown) io.out(renderMarkdown(plan, argv.out ? { fullPlanRef: argv.out } : {}));
  else io.out(renderText(plan, { color: io.color }));
  if (plan.blockers.length) return ExitCode.blocked;
  if (argv['detailed-exitcode'] && plan.summary.changes) return ExitCode.changes;
  return ExitCode.ok;
}

export const planCommand: CommandModule = {
  command: 'plan <spec>',
  describe: 'Discover both sites and show the ordered steps that would make reality match the spec',
  builder: (y) =>
    y
      .positional('spec', { type: 'string', describe: 'DR spec YAML file' })
      .option('out', { type: 'string', describe: 'Save the plan (bound to the spec, state and discovered facts), e.g. plans/failover.json' })
      .option('json', { type: 'boolean', describe: 'Print the plan as versioned JSON' })
      .option('markdown', { type: 'boolean', describe: 'Print the plan as Markdown for a pull-request comment' })
      .option('target', { type: 'string', array: true, describe: 'Only plan this group (repeatable)' })
      .option('detailed-exitcode', { type: 'boolean', describe: 'Exit 2 when the plan has changes, 0 when none' })
      .option('allow-data-loss', { type: 'boolean', describe: 'Allow an unplanned failover when the active site is unreachable (and lift the RPO/drill gates)' })
      .option('discard-site', { type: 'string', describe: 'Name the site whose divergent data may be discarded (resync after an unplanned failover, split brain)' })
      .option('max-age', { type: 'number', describe: 'Minutes a saved plan stays valid (default 60)' }),
  handler: wrap<PlanArgs>(async (argv, io) =>
    runPlan(argv, io, {
      loadSpec,
      discover: (loaded, args) => discoverForCli(loaded, args, io),
      journal: readJournalView,
      writeFile: async (file, text) => {
        await mkdir(path.dirname(path.resolve(file)), { recursive: true });
        await writeFile(file, text, 'utf8');
      },
      now: () => new Date(),
    }),
  ),
};
