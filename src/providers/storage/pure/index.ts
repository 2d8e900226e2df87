/**
 * Pure FlashArray provider: REST 2.x client, StorageDriver implementation, and the one piece of
 * configuration glue (resolving `apiToken: {env|file}`) that callers need to build a PureClient.
 */
import type { SecretRef } from '../../../spec/types.js';
import { DrctlError } from '../../../errors.js';

export * from './client.js';
export * from './driver.js';
export * from './errors.js';
export * from './models.js';

/**
 * Resolve a spec `apiToken` reference. A file's content is trimmed (a trailing newline is usual).
 * Errors name the variable or file, never the value.
 */
export async function resolveApiToken(
  ref: SecretRef,
  io: { env: NodeJS.ProcessEnv; readFile: (path: string) => Promise<string> },
  site = 'site',
): Promise<string> {
  if ('env' in ref) {
    const v = io.env[ref.env];
    if (!v || !v.trim()) {
      throw new DrctlError('DRCTL_E2232', `${site}: environment variable ${ref.env} (array apiToken) is not set`, {
        hint: `export ${ref.env}=<FlashArray API token>`,
      });
    }
    return v.trim();
  }
  let text: string;
  try {
    text = await io.readFile(ref.file);
  } catch (err) {
    throw new DrctlError('DRCTL_E2232', `${site}: cannot read array apiToken file ${ref.file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, {
      cause: err,
    });
  }
  if (!text.trim()) throw new DrctlError('DRCTL_E2232', `${site}: array apiToken file ${ref.file} is empty`);
  return text.trim();
}
