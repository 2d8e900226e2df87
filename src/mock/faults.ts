/**
 * Faults: persisted in the world, applied by the server (and the rbd emulator) on every call.
 * API names are stable identifiers of one call each, used by `error` and `policy-denied` faults and
 * listed by `drctl mock fault apis`.
 */
import { DrctlError } from '../errors.js';
import { MockCode } from './codes.js';
import type { Fault, FaultKind, LinkOutage } from './types.js';
import type { MockWorld } from './world.js';

/** Every API the mock serves, by name → what it is. */
export const MOCK_APIS: Record<string, string> = {
  'keystone.tokens': 'POST /identity/v3/auth/tokens',
  'keystone.tokens.validate': 'GET /identity/v3/auth/tokens',
  'keystone.catalog': 'GET /identity/v3/auth/catalog',
  'keystone.projects': 'GET /identity/v3/auth/projects',
  'nova.servers.list': 'GET /servers, /servers/detail',
  'nova.servers.show': 'GET /servers/{id}',
  'nova.servers.create': 'POST /servers',
  'nova.servers.delete': 'DELETE /servers/{id}',
  'nova.servers.stop': 'POST /servers/{id}/action os-stop',
  'nova.servers.start': 'POST /servers/{id}/action os-start',
  'nova.servers.metadata': 'GET/POST/PUT/DELETE /servers/{id}/metadata[/{key}]',
  'nova.servers.volume_attachments': 'GET /servers/{id}/os-volume_attachments',
  'nova.servers.security_groups': 'GET /servers/{id}/os-security-groups',
  'nova.servers.interfaces': 'GET /servers/{id}/os-interface',
  'nova.flavors.list': 'GET /flavors, /flavors/detail',
  'nova.flavors.show': 'GET /flavors/{id}',
  'nova.keypairs.list': 'GET /os-keypairs',
  'cinder.volumes.list': 'GET /volumes, /volumes/detail',
  'cinder.volumes.show': 'GET /volumes/{id}',
  'cinder.volumes.create': 'POST /volumes',
  'cinder.volumes.delete': 'DELETE /volumes/{id}',
  'cinder.volumes.metadata': 'GET/POST/PUT/DELETE /volumes/{id}/metadata[/{key}]',
  'cinder.volumes.set_bootable': 'POST /volumes/{id}/action os-set_bootable',
  'cinder.volume_unmanage': 'POST /volumes/{id}/action os-unmanage',
  'cinder.volume_manage': 'POST /manageable_volumes',
  'cinder.manageable_volumes.list': 'GET /manageable_volumes[/detail]',
  'cinder.snapshots.list': 'GET /snapshots, /snapshots/detail',
  'cinder.snapshots.show': 'GET /snapshots/{id}',
  'cinder.types.list': 'GET /types',
  'cinder.types.show': 'GET /types/{id}',
  'cinder.types.extra_specs': 'GET /types/{id}/extra_specs',
  'cinder.group_types.list': 'GET /group_types',
  'cinder.group_types.show': 'GET /group_types/{id}',
  'cinder.groups.list': 'GET /groups, /groups/detail',
  'cinder.groups.show': 'GET /groups/{id}',
  'cinder.groups.create': 'POST /groups',
  'cinder.groups.update': 'PUT /groups/{id}',
  'cinder.groups.delete': 'POST /groups/{id}/action delete',
  'cinder.group_snapshots.list': 'GET /group_snapshots[/detail]',
  'cinder.group_snapshots.show': 'GET /group_snapshots/{id}',
  'cinder.group_snapshots.create': 'POST /group_snapshots',
  'cinder.group_snapshots.delete': 'DELETE /group_snapshots/{id}',
  'cinder.services.list': 'GET /os-services',
  'neutron.networks.list': 'GET /v2.0/networks',
  'neutron.networks.show': 'GET /v2.0/networks/{id}',
  'neutron.subnets.list': 'GET /v2.0/subnets',
  'neutron.ports.list': 'GET /v2.0/ports',
  'neutron.ports.show': 'GET /v2.0/ports/{id}',
  'neutron.security_groups.list': 'GET /v2.0/security-groups',
  'pure.login': 'POST /api/2.x/login',
  'pure.arrays.list': 'GET /api/2.x/arrays',
  'pure.volumes.list': 'GET /api/2.x/volumes',
  'pure.volumes.create': 'POST /api/2.x/volumes',
  'pure.volumes.update': 'PATCH /api/2.x/volumes',
  'pure.volumes.delete': 'DELETE /api/2.x/volumes',
  'pure.volume_snapshots.list': 'GET /api/2.x/volume-snapshots',
  'pure.protection_groups.list': 'GET /api/2.x/protection-groups',
  'pure.protection_groups.create': 'POST /api/2.x/protection-groups',
  'pure.protection_groups.update': 'PATCH /api/2.x/protection-groups',
  'pure.protection_groups.delete': 'DELETE /api/2.x/protection-groups',
  'pure.protection_groups.volumes': 'GET/POST/DELETE /api/2.x/protection-groups/volumes',
  'pure.protection_groups.targets': 'GET/POST/PATCH/DELETE /api/2.x/protection-groups/targets',
  'pure.protection_group_snapshots.list': 'GET /api/2.x/protection-group-snapshots',
  'pure.protection_group_snapshots.create': 'POST /api/2.x/protection-group-snapshots',
  'pure.protection_group_snapshots.transfer': 'GET /api/2.x/protection-group-snapshots/transfer',
  'pure.pods.list': 'GET /api/2.x/pods',
  'pure.pods.create': 'POST /api/2.x/pods',
  'pure.pods.update': 'PATCH /api/2.x/pods',
  'pure.pod_replica_links.list': 'GET /api/2.x/pod-replica-links[/lag]',
  'pure.pod_replica_links.update': 'POST/PATCH /api/2.x/pod-replica-links',
  'rbd.mirror.image.status': 'rbd mirror image status',
  'rbd.mirror.image.promote': 'rbd mirror image promote [--force]',
  'rbd.mirror.image.demote': 'rbd mirror image demote',
  'rbd.mirror.image.resync': 'rbd mirror image resync',
  'rbd.mirror.image.snapshot': 'rbd mirror image snapshot',
  'rbd.mirror.pool.status': 'rbd mirror pool status',
  'rbd.mirror.pool.info': 'rbd mirror pool info',
  'rbd.mirror.pool.promote': 'rbd mirror pool promote [--force]',
  'rbd.mirror.pool.demote': 'rbd mirror pool demote',
  'rbd.mirror.snapshot.schedule': 'rbd mirror snapshot schedule add|ls',
  'rbd.info': 'rbd info',
  'rbd.ls': 'rbd ls [-l]',
  'rbd.snap': 'rbd snap ls --all',
  'rbd.image-meta': 'rbd image-meta list|set|get|remove',
  'rbd.cp': 'rbd cp (drill copies)',
  'rbd.rm': 'rbd rm',
  'rbd.create': 'rbd create',
};

export const FAULT_KINDS: FaultKind[] = [
  'unreachable',
  'latency',
  'error',
  'policy-denied',
  'missing-flavor',
  'missing-network',
  'replication-down',
];

export interface FaultInput {
  site: string;
  kind: FaultKind;
  ms?: number;
  api?: string;
  status?: number;
  count?: number;
  name?: string;
}

function bad(message: string, hint?: string): DrctlError {
  return new DrctlError(MockCode.badFault, message, { hint });
}

/** Validates and adds a fault; returns it. */
export function addFault(world: MockWorld, input: FaultInput): Fault {
  world.site(input.site); // throws for an unknown site
  if (!FAULT_KINDS.includes(input.kind)) {
    throw bad(`unknown fault kind '${input.kind}'`, `Kinds: ${FAULT_KINDS.join(', ')}`);
  }
  const now = world.now();
  const f: Fault = { id: `f${world.nextSeq()}`, site: input.site, kind: input.kind, since: now };
  switch (input.kind) {
    case 'latency':
      if (!Number.isFinite(input.ms) || (input.ms as number) < 0) throw bad('latency needs --ms N (milliseconds, >= 0)');
      f.ms = input.ms;
      break;
    case 'error': {
      checkApi(input.api);
      const st = input.status;
      const rbd = input.api!.startsWith('rbd.');
      if (!Number.isInteger(st) || (rbd ? st! < 1 || st! > 255 : st! < 400 || st! > 599)) {
        throw bad(rbd ? 'an rbd.* error needs --status EXIT_CODE (1-255)' : 'error needs --status CODE (400-599)');
      }
      f.api = input.api;
      f.status = st;
      if (input.count !== undefined) {
        if (!Number.isInteger(input.count) || input.count < 1) throw bad('--count must be a positive integer');
        f.remaining = input.count;
      }
      break;
    }
    case 'policy-denied':
      checkApi(input.api);
      f.api = input.api;
      break;
    case 'missing-flavor':
    case 'missing-network':
      if (!input.name) throw bad(`${input.kind} needs the ${input.kind === 'missing-flavor' ? 'flavor' : 'network'} name`);
      f.name = input.name;
      break;
    case 'unreachable':
    case 'replication-down':
      break;
  }
  const wasDown = replicationBlocked(world);
  world.data.faults.push(f);
  if (!wasDown && replicationBlocked(world)) {
    world.data.linkOutages.push({ from: now, cause: `${f.kind} (${f.site})` });
  }
  world.touch();
  return f;
}

function checkApi(api: string | undefined): void {
  if (!api) throw bad('this fault needs --api NAME', 'List the names with: drctl mock fault apis');
  if (!(api in MOCK_APIS)) throw bad(`unknown API name '${api}'`, 'List the names with: drctl mock fault apis');
}

/** Clears faults of one site (or all); returns how many were removed. */
export function clearFaults(world: MockWorld, site?: string): number {
  if (site !== undefined) world.site(site);
  const before = world.data.faults.length;
  const wasDown = replicationBlocked(world);
  world.data.faults = world.data.faults.filter((f) => site !== undefined && f.site !== site);
  const removed = before - world.data.faults.length;
  if (wasDown && !replicationBlocked(world)) closeOutage(world);
  if (removed > 0) world.touch();
  return removed;
}

function closeOutage(world: MockWorld): void {
  const open = world.data.linkOutages.find((o) => o.to === undefined);
  if (open) open.to = world.now();
}

/** Replication between the arrays is stopped: replication-down or a site unreachable. */
export function replicationBlocked(world: MockWorld): boolean {
  return world.data.faults.some((f) => f.kind === 'replication-down' || f.kind === 'unreachable');
}

export function siteFaults(world: MockWorld, site: string): Fault[] {
  return world.data.faults.filter((f) => f.site === site);
}

export function isUnreachable(world: MockWorld, site: string): boolean {
  return world.data.faults.some((f) => f.site === site && f.kind === 'unreachable');
}

export function latencyMs(world: MockWorld, site: string): number {
  let ms = 0;
  for (const f of world.data.faults) if (f.site === site && f.kind === 'latency') ms += f.ms ?? 0;
  return ms;
}

export function hiddenNames(world: MockWorld, site: string, kind: 'missing-flavor' | 'missing-network'): Set<string> {
  const s = new Set<string>();
  for (const f of world.data.faults) if (f.site === site && f.kind === kind && f.name) s.add(f.name);
  return s;
}

export function policyDenied(world: MockWorld, site: string, api: string): boolean {
  return world.data.faults.some((f) => f.site === site && f.kind === 'policy-denied' && f.api === api);
}

/**
 * An injected error for this call, consuming one of its count. Returns the status (or exit code)
 * or undefined. Marks the world dirty when a counted fault is used up or decremented.
 */
export function takeError(world: MockWorld, site: string, api: string): number | undefined {
  const i = world.data.faults.findIndex((f) => f.site === site && f.kind === 'error' && f.api === api);
  if (i < 0) return undefined;
  const f = world.data.faults[i]!;
  if (f.remaining !== undefined) {
    f.remaining -= 1;
    if (f.remaining <= 0) world.data.faults.splice(i, 1);
    world.touch();
  }
  return f.status;
}

/** Was the replication link up over the whole of [from, to]? */
export function linkUpDuring(outages: LinkOutage[], from: number, to: number): boolean {
  for (const o of outages) {
    const end = o.to ?? Infinity;
    if (o.from <= to && end >= from) return false;
  }
  return true;
}

/** The moment the link went down if it is down at `t`. */
export function outageAt(outages: LinkOutage[], t: number): LinkOutage | undefined {
  return outages.find((o) => o.from <= t && (o.to === undefined || o.to > t));
}

/** Human line for a fault. */
export function describeFault(f: Fault): string {
  switch (f.kind) {
    case 'latency':
      return `${f.site} latency ${f.ms}ms`;
    case 'error':
      return `${f.site} error ${f.api} → ${f.status}${f.remaining !== undefined ? ` (${f.remaining} left)` : ' (until cleared)'}`;
    case 'policy-denied':
      return `${f.site} policy-denied ${f.api}`;
    case 'missing-flavor':
    case 'missing-network':
      return `${f.site} ${f.kind} ${f.name}`;
    default:
      return `${f.site} ${f.kind}`;
  }
}
