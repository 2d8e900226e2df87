/**
 * Resolves secret references from the spec ({env: NAME} or {file: PATH}). The value is returned to
 * the caller that needs it (a login call) and is never put in an error message, log line or plan.
 */
import { DrctlError } from '../errors.js';
import type { SecretRef } from '../spec/types.js';

export interface SecretSources {
  env: NodeJS.ProcessEnv;
  readFile: (path: string) => Promise<string>;
}

/** Human name of where a secret comes from — safe to print. */
export function describeSecret(ref: SecretRef): string {
  return 'env' in ref ? `environment variable ${ref.env}` : `file ${ref.file}`;
}

export async function resolveSecret(ref: SecretRef, what: string, src: SecretSources): Promise<string> {
  if ('env' in ref) {
    const v = src.env[ref.env];
    if (v === undefined || v === '') {
      throw new DrctlError('DRCTL_E2050', `${what}: environment variable ${ref.env} is not set`, {
        hint: `export ${ref.env}=... (the value is never printed or stored by drctl)`,
      });
    }
    return v;
  }
  let text: string;
  try {
    text = await src.readFile(ref.file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new DrctlError('DRCTL_E2051', `${what}: cannot read secret file ${ref.file} (${code})`, {
      hint: 'Check the path and its permissions; drctl reads it at run time and never copies it.',
    });
  }
  const v = text.trim();
  if (!v) throw new DrctlError('DRCTL_E2052', `${what}: secret file ${ref.file} is empty`);
  return v;
}
