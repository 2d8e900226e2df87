import type { CommandModule } from 'yargs';
import { buildStatus, renderStatusText } from '../../discovery/status.js';
import { ExitCode } from '../../errors.js';
import { formatDiagnostic } from '../../spec/diagnostics.js';
import { loadSpec } from '../../spec/load.js';
import { discoverForCli } from '../connect.js';
import type { GlobalArgs } from '../context.js';
import { readJournalView } from './plan.js';
import { wrap } from '../run.js';

interface StatusArgs extends GlobalArgs {
  spec: string;
  json?: boolean;
}

export const statusCommand: CommandModule = {
  command: 'status <spec>',
  describe: 'Where each group runs, its members on both sites, replication direction and lag vs RPO',
  builder: (y) =>
    y
      .positional('spec', { type: 'string', describe: 'DR spec YAML file' })
      .option('json', { type: 'boolean', describe: 'Print status as JSON' }),
  handler: wrap<StatusArgs>(async (argv, io) => {
    const res = await loadSpec(argv.spec);
    for (const d of res.diagnostics) (d.severity === 'error' ? io.error : io.warn)(formatDiagnostic(d));
    if (!res.ok) return ExitCode.error;
    const [inv, journal] = await Promise.all([discoverForCli(res.loaded, argv, io), readJournalView(argv)]);
    const view = buildStatus(res.loaded.spec, inv, journal);
    io.out(argv.json ? JSON.stringify(view, null, 2) : renderStatusText(view));
    return ExitCode.ok;
  }),
};
