/** Error codes of the mock (DRCTL_E5xxx). The README's table is generated from MOCK_CODE_TABLE. */
export const MockCode = {
  worldMissing: 'DRCTL_E5001',
  worldExists: 'DRCTL_E5002',
  worldCorrupt: 'DRCTL_E5003',
  unknownSite: 'DRCTL_E5004',
  badFault: 'DRCTL_E5005',
  badDuration: 'DRCTL_E5006',
  badSpec: 'DRCTL_E5007',
  serveFailed: 'DRCTL_E5008',
} as const;

export const MOCK_CODE_TABLE: { code: string; meaning: string; action: string }[] = [
  { code: MockCode.worldMissing, meaning: 'no mock world file at the path', action: 'drctl mock init SPEC, or pass --mock-world PATH' },
  { code: MockCode.worldExists, meaning: 'mock init would overwrite an existing world', action: 'add --force, or choose another --mock-world PATH' },
  { code: MockCode.worldCorrupt, meaning: 'the world file is not JSON or not a drctl mock world', action: 'drctl mock init SPEC --force' },
  { code: MockCode.unknownSite, meaning: 'a site name that the world does not have', action: 'use a site named in the spec (drctl mock show)' },
  { code: MockCode.badFault, meaning: 'fault kind, API name or option is invalid', action: 'see drctl mock fault add --help and the API names it lists' },
  { code: MockCode.badDuration, meaning: 'a duration that is not N[ms|s|m|h|d]', action: 'e.g. drctl mock advance 5m' },
  { code: MockCode.badSpec, meaning: 'the spec cannot be turned into a mock world', action: 'fix the spec (drctl validate SPEC)' },
  { code: MockCode.serveFailed, meaning: 'the mock server could not listen', action: 'choose another --port, or free the port' },
];
