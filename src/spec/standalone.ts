/**
 * Build-time helper: renders schemas/drspec.schema.json as ajv "standalone" validation code, checked
 * in as src/spec/validator.generated.ts. Loading that module costs a few milliseconds, where
 * importing ajv and compiling the schema costs ~200 ms of CPU on every command that reads a spec.
 * test/spec/standalone.test.ts fails when the generated file is stale; run it with
 * DRCTL_UPDATE_GENERATED=1 to rewrite it.
 */
import { Ajv } from 'ajv';
import standaloneModule from 'ajv/dist/standalone/index.js';

/** Options shared by the generated code and the run-time fallback: keep them identical. */
export const AJV_OPTIONS = { allErrors: true, verbose: true, strictSchema: true, strictTypes: false, strictTuples: true } as const;

// CommonJS module: under NodeNext the default import is module.exports, whose .default is the function.
const standaloneCode = standaloneModule.default;

export function validatorSource(schemaText: string): string {
  const ajv = new Ajv({ ...AJV_OPTIONS, code: { source: true, esm: true, lines: true } });
  const validate = ajv.compile(JSON.parse(schemaText) as object);
  let code = standaloneCode(ajv, validate);
  // ajv emits CommonJS requires for its small runtime helpers even in ESM mode.
  const imports: string[] = [];
  code = code.replace(/require\("(ajv\/dist\/runtime\/[a-z0-9]+)"\)/gi, (_m: string, mod: string) => {
    const name = `runtime_${mod.split('/').pop()}`;
    if (!imports.some((i) => i.includes(name))) imports.push(`import ${name} from '${mod}.js';`);
    return name;
  });
  return [
    '// @ts-nocheck',
    '/* eslint-disable */',
    '// GENERATED from schemas/drspec.schema.json by src/spec/standalone.ts. Do not edit.',
    '// Regenerate: DRCTL_UPDATE_GENERATED=1 npx tap test/spec/standalone.test.ts',
    ...imports,
    code.replace(/^"use strict";/, ''),
    '',
  ].join('\n');
}
