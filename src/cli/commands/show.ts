import { readFile } from 'node:fs/promises';
import type { CommandModule } from 'yargs';
import { DrctlError } from '../../errors.js';
import { PlanCode } from '../../plan/codes.js';
import { readPlanFile } from '../../plan/planfile.js';
import { renderJson } from '../../plan/render/json.js';
import { renderMarkdown } from '../../plan/render/markdown.js';
import { renderText } from '../../plan/render/text.js';
import type { IoHost } from '../io.js';
import { wrap } from '../run.js';

export interface ShowArgs {
  planfile: string;
  json?: boolean;
  markdown?: boolean;
}

/** Renders a saved plan; no discovery, no state. Exit 0 (a stale plan is only warned about here). */
export async function showPlan(args: ShowArgs, io: IoHost, deps: { readFile?: (p: string) => Promise<string>; now?: () => Date } = {}): Promise<number> {
  if (args.json && args.markdown) throw new DrctlError(PlanCode.viewConflict, '--json and --markdown are exclusive', { hint: 'pick one view' });
  let text: string;
  try {
    text = await (deps.readFile ?? ((p) => readFile(p, 'utf8')))(args.planfile);
  } catch (err) {
    throw new DrctlError(PlanCode.planFileInvalid, `cannot read ${args.planfile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, {
      hint: 'check the path (plans are usually under plans/)',
      cause: err,
    });
  }
  const plan = readPlanFile(text, args.planfile);
  if (args.json) io.out(renderJson(plan));
  else if (args.markdown) io.out(renderMarkdown(plan, { fullPlanRef: args.planfile }));
  else io.out(renderText(plan, { color: io.color }));
  const now = (deps.now ?? (() => new Date()))();
  if (plan.bindings && now.getTime() > Date.parse(plan.bindings.expiresAt)) {
    io.warn(`${args.planfile} expired at ${plan.bindings.expiresAt}: apply will refuse it; make a new plan`);
  }
  return 0;
}

export const showCommand: CommandModule = {
  command: 'show <planfile>',
  describe: 'Render a saved plan',
  builder: (y) =>
    y
      .positional('planfile', { type: 'string', describe: 'Saved plan JSON' })
      .option('json', { type: 'boolean', describe: 'Print the plan as versioned JSON' })
      .option('markdown', { type: 'boolean', describe: 'Print the plan as Markdown for a pull-request comment' }),
  handler: wrap<ShowArgs>((argv, io) => showPlan(argv, io)),
};
