/**
 * The spec stage's diagnostic codes (DRCTL_E1xxx). Codes are stable: tests, scripts and the README
 * refer to them. Add new ones; never renumber or reuse one.
 */
export const SpecCode = {
  /** Summary error of commands that need a valid spec (plan, apply, ...): the diagnostics follow. */
  invalidSpec: 'DRCTL_E1000',
  // Reading and YAML
  yamlSyntax: 'DRCTL_E1001',
  duplicateKey: 'DRCTL_E1002',
  notAMapping: 'DRCTL_E1003',
  tooLarge: 'DRCTL_E1004',
  resourceLimit: 'DRCTL_E1005',
  unreadable: 'DRCTL_E1006',
  yamlWarning: 'DRCTL_E1008',
  // Schema (shape)
  missingKey: 'DRCTL_E1010',
  unknownKey: 'DRCTL_E1011',
  wrongType: 'DRCTL_E1012',
  notAllowed: 'DRCTL_E1013',
  badValue: 'DRCTL_E1014',
  // Document and sites
  apiVersion: 'DRCTL_E1020',
  kind: 'DRCTL_E1021',
  siteCount: 'DRCTL_E1022',
  unknownSite: 'DRCTL_E1023',
  sameSite: 'DRCTL_E1024',
  activeSite: 'DRCTL_E1025',
  // Storage and secrets
  storageDriver: 'DRCTL_E1030',
  cephLocation: 'DRCTL_E1031',
  mixedDrivers: 'DRCTL_E1032',
  literalSecret: 'DRCTL_E1040',
  badSecretRef: 'DRCTL_E1041',
  // Members
  noMembers: 'DRCTL_E1050',
  badTier: 'DRCTL_E1051',
  serverInTwoGroups: 'DRCTL_E1052',
  serverTwiceInGroup: 'DRCTL_E1053',
  unsafeName: 'DRCTL_E1060',
  // Replication
  asyncNeedsTiming: 'DRCTL_E1070',
  syncForbidsTiming: 'DRCTL_E1071',
  pureAsyncNeedsArrayGroup: 'DRCTL_E1072',
  pureSyncNeedsPod: 'DRCTL_E1073',
  mirrorModeNotCeph: 'DRCTL_E1074',
  settingNotApplicable: 'DRCTL_E1075',
  rpoBelowInterval: 'DRCTL_E1076',
  // Mappings and drills
  networksNotInvertible: 'DRCTL_E1080',
  flavorsNotInvertible: 'DRCTL_E1081',
  drillSourceUnmapped: 'DRCTL_E1082',
  drillNotIsolated: 'DRCTL_E1083',
  reverseMappingIncomplete: 'DRCTL_E1084',
} as const;
export type SpecCode = (typeof SpecCode)[keyof typeof SpecCode];

export interface CodeDoc {
  code: SpecCode;
  meaning: string;
  fix: string;
}

/** The README table: code → meaning → what to do. */
export const SPEC_CODE_DOCS: readonly CodeDoc[] = [
  { code: SpecCode.invalidSpec, meaning: 'A command that needs a valid spec (plan, apply, status, mock init) was given an invalid one; the located problems follow', fix: "Fix them; 'drctl validate SPEC' lists them all" },
  { code: SpecCode.yamlSyntax, meaning: 'The file is not valid YAML (or holds more than one document)', fix: 'Fix the YAML at the given line:col; one spec per file' },
  { code: SpecCode.duplicateKey, meaning: 'A key appears twice in the same mapping', fix: 'Keep one of them; YAML would silently use the last' },
  { code: SpecCode.notAMapping, meaning: 'The file is empty or its top level is not a mapping', fix: 'Start from an example in examples/' },
  { code: SpecCode.tooLarge, meaning: 'The file is larger than 1 MiB', fix: 'A spec is small; split it or check you passed the right file' },
  { code: SpecCode.resourceLimit, meaning: 'Too many YAML aliases (alias bomb) or nesting too deep', fix: 'Write the values out; drctl refuses exponential alias expansion' },
  { code: SpecCode.unreadable, meaning: 'The file cannot be read (missing, a directory, no permission)', fix: 'Check the path' },
  { code: SpecCode.yamlWarning, meaning: 'YAML warning (e.g. an unknown tag) — severity warning', fix: 'Remove the tag or quote the value' },
  { code: SpecCode.missingKey, meaning: 'A required key is missing', fix: 'Add the key named in the message' },
  { code: SpecCode.unknownKey, meaning: 'A key the spec does not know (typo or wrong level)', fix: 'Use the suggested key, or remove it' },
  { code: SpecCode.wrongType, meaning: 'A value has the wrong type (e.g. a string where a list is expected)', fix: 'Write the type the message names' },
  { code: SpecCode.notAllowed, meaning: 'A value is not one of the allowed values', fix: 'Use one of the values listed in the message' },
  { code: SpecCode.badValue, meaning: 'A value is out of range, empty or badly formed (URL, integer >= 1)', fix: 'Correct the value as the message says' },
  { code: SpecCode.apiVersion, meaning: "apiVersion is not 'drctl/v1'", fix: 'Set apiVersion: drctl/v1' },
  { code: SpecCode.kind, meaning: "kind is not 'DRSpec'", fix: 'Set kind: DRSpec' },
  { code: SpecCode.siteCount, meaning: 'sites does not hold exactly two sites', fix: 'Declare exactly two sites; use one spec per site pair' },
  { code: SpecCode.unknownSite, meaning: "A group's primarySite/secondarySite is not declared under sites", fix: 'Use one of the site names under sites' },
  { code: SpecCode.sameSite, meaning: 'primarySite and secondarySite are the same site', fix: 'Name two different sites' },
  { code: SpecCode.activeSite, meaning: "activeSite is not one of the group's two sites", fix: 'Set it to primarySite (normal) or secondarySite (failed over)' },
  { code: SpecCode.storageDriver, meaning: 'storage.driver is not pure or ceph', fix: 'Use driver: pure or driver: ceph' },
  { code: SpecCode.cephLocation, meaning: 'A ceph storage has neither cluster nor conf', fix: 'Add cluster: NAME (reads /etc/ceph/NAME.conf) or conf: PATH' },
  { code: SpecCode.mixedDrivers, meaning: 'The two sites use different storage drivers', fix: 'Replication needs the same array type on both sites' },
  { code: SpecCode.literalSecret, meaning: 'A secret (API token, keyring) is written literally in the spec (the value is never printed)', fix: 'Use { env: NAME } or { file: PATH }; rotate the secret if the file was committed' },
  { code: SpecCode.badSecretRef, meaning: 'A secret reference is malformed', fix: 'Write exactly { env: NAME } or { file: PATH }' },
  { code: SpecCode.noMembers, meaning: 'A group has no members', fix: 'List at least one { server, tier }' },
  { code: SpecCode.badTier, meaning: 'A tier is not a positive integer', fix: 'Use 1, 2, 3...; lower tiers boot first' },
  { code: SpecCode.serverInTwoGroups, meaning: 'A server is a member of two groups', fix: 'A server fails over with one group only; remove it from one' },
  { code: SpecCode.serverTwiceInGroup, meaning: 'A server is listed twice in one group', fix: 'Remove the duplicate entry' },
  { code: SpecCode.unsafeName, meaning: 'A spec, site, group or server name has characters unsafe in resource names', fix: 'Use letters, digits, ".", "_" and "-" (at most 63)' },
  { code: SpecCode.asyncNeedsTiming, meaning: 'async replication without intervalSeconds or rpoMinutes (no silent RPO default)', fix: 'Add both, e.g. intervalSeconds: 300, rpoMinutes: 15' },
  { code: SpecCode.syncForbidsTiming, meaning: 'sync replication with intervalSeconds or rpoMinutes (sync has RPO 0)', fix: 'Remove them, or use type: async' },
  { code: SpecCode.pureAsyncNeedsArrayGroup, meaning: 'async replication on pure without arrayGroup', fix: 'Add arrayGroup: <protection group name>' },
  { code: SpecCode.pureSyncNeedsPod, meaning: 'sync replication on pure without pod', fix: 'Add pod: <pod name>' },
  { code: SpecCode.mirrorModeNotCeph, meaning: 'mirrorMode given but the sites do not use the ceph driver', fix: 'Remove mirrorMode (it is a Ceph RBD setting)' },
  { code: SpecCode.settingNotApplicable, meaning: 'arrayGroup/pod given where it does not apply (pod with async, arrayGroup with sync, either with ceph)', fix: 'Remove the setting' },
  { code: SpecCode.rpoBelowInterval, meaning: 'Warning: rpoMinutes is shorter than intervalSeconds, so the RPO gate will block most plans', fix: 'Raise rpoMinutes or shorten intervalSeconds' },
  { code: SpecCode.networksNotInvertible, meaning: 'Two primary networks map to one secondary network, so failback cannot invert the mapping', fix: 'Add mappings.reverseNetworks (secondary → primary)' },
  { code: SpecCode.flavorsNotInvertible, meaning: 'Two primary flavors map to one secondary flavor, so failback cannot invert the mapping', fix: 'Add mappings.reverseFlavors (secondary → primary)' },
  { code: SpecCode.drillSourceUnmapped, meaning: 'A drillNetworks source is not a key of mappings.networks', fix: 'Map that network in mappings.networks first, or remove the drill entry' },
  { code: SpecCode.drillNotIsolated, meaning: "A drill network is one of the production networks (of any group, on either site), so drill copies would share it with production", fix: 'Use an isolated network for drills' },
  { code: SpecCode.reverseMappingIncomplete, meaning: 'reverseNetworks/reverseFlavors misses a target of the forward mapping', fix: 'Add an entry for every secondary name the forward mapping uses' },
];
