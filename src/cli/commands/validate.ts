import type { CommandModule } from 'yargs';
import { ExitCode } from '../../errors.js';
import { formatDiagnostic, hasErrors, type Diagnostic } from '../../spec/diagnostics.js';
import type { IoHost } from '../io.js';
import { wrap } from '../run.js';

interface ValidateArgs {
  spec: string[];
  json?: boolean;
}

export interface FileReport {
  file: string;
  valid: boolean;
  diagnostics: Diagnostic[];
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Validates each file; prints diagnostics (stderr) and a "valid" line per good file (stdout). */
export async function runValidate(files: readonly string[], json: boolean, io: IoHost): Promise<number> {
  // Loaded on demand: ajv and the schema cost nothing to commands that never read a spec.
  const { loadSpec } = await import('../../spec/load.js');
  const reports: FileReport[] = [];
  for (const file of files) {
    const r = await loadSpec(file);
    reports.push({ file, valid: r.ok, diagnostics: r.diagnostics });
    if (json) continue;
    for (const d of r.diagnostics) io.info(formatDiagnostic(d));
    if (r.ok) {
      const groups = Object.values(r.loaded.spec.groups);
      const members = groups.reduce((n, g) => n + g.members.length, 0);
      const warnings = r.diagnostics.filter((d) => d.severity === 'warning').length;
      io.out(
        `${file}: valid (${plural(groups.length, 'group')}, ${plural(members, 'member')}${warnings ? `, ${plural(warnings, 'warning')}` : ''})`,
      );
    }
  }
  const bad = reports.filter((r) => !r.valid);
  if (json) {
    io.out(JSON.stringify({ files: reports }, null, 2));
  } else if (bad.length) {
    const problems = bad.reduce((n, r) => n + r.diagnostics.filter((d) => hasErrors([d])).length, 0);
    io.info(`${plural(problems, 'problem')} in ${plural(bad.length, 'file')}; see the README's table of DRCTL_E1xxx codes.`);
  }
  return bad.length ? ExitCode.error : ExitCode.ok;
}

export const validateCommand: CommandModule = {
  command: 'validate <spec..>',
  describe: 'Check DR spec files: schema and semantic rules, every problem with file:line:col',
  builder: (y) =>
    y
      .positional('spec', { type: 'string', array: true, describe: 'DR spec YAML file(s)' })
      .option('json', { type: 'boolean', describe: 'Print { files: [{ file, valid, diagnostics }] } as JSON on stdout' }),
  handler: wrap<ValidateArgs>(async (argv, io) => runValidate(argv.spec, Boolean(argv.json), io)),
};
