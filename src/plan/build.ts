/**
 * buildPlan: the diff between the DR spec and the discovered world, per group, as actions expanded
 * into a step DAG, plus the preflight blockers that stop unsafe work. Pure and synchronous: the clock,
 * ids and limits come in through options; nothing here reads files, the network or the clock.
 *
 * Per group (DESIGN.md "Convergence"), in this order, each stage able to end the group's planning:
 *  1. an unfinished journal operation → resume it; nothing new starts on the group;
 *  2. a site to fence after an unplanned failover → fence (+ reprotect); nothing else until then;
 *     split brain without that record → blocked (the operator names the side to discard);
 *  3. group records out of date on one site → update (chained before what follows);
 *  4. protection: protect (missing/partial), member-add, member-remove;
 *  5. where production should run → planned/unplanned failover or failback (drill cleaned up first);
 *  6. drill up/down; 7. replication not flowing from the active site → reprotect.
 * A blocked group gets no actions, and never hides the other groups' plans.
 */
import { DrctlError } from '../errors.js';
import { TAG, type GroupInventory, type GroupRecord, type Inventory, type MemberInventory, type ServerInfo, type VolumeInfo } from '../discovery/types.js';
import type { DRSpec, GroupSpec } from '../spec/types.js';
import { PlanCode } from './codes.js';
import { topoOrder } from './dag.js';
import {
  StepList,
  expandDrill,
  expandDrillCleanup,
  expandFence,
  expandMemberRemove,
  expandMove,
  expandProtect,
  expandReprotect,
  expandUpdate,
  expandCapture,
  type ExpandContext,
  type MemberFacts,
  type ResolvedMapping,
  type VolumeFacts,
} from './expand.js';
import { digestFacts, factsOf } from './facts.js';
import { defaultIdGenerator, formatDuration, plural, secondsBetween } from './format.js';
import {
  PLAN_FORMAT_VERSION,
  type ActionKind,
  type Blocker,
  type DataAtRisk,
  type Drift,
  type GroupOverview,
  type JournalOperation,
  type JournalView,
  type Plan,
  type PlanAction,
  type PlanStep,
  type StepConfirmation,
} from './types.js';

export interface BuildPlanOptions {
  /** The planner's clock (never read inside). */
  now: Date;
  /** Operation ids for the actions; default: deterministic `op-<now>-<n>`. */
  newId?: () => string;
  /** --target: only these groups (unknown names throw DRCTL_E3020). */
  targets?: string[];
  /** --allow-data-loss: unplanned failover when the active site is down, and the RPO/drill gates. */
  allowDataLoss?: boolean;
  /** How long a saved plan stays valid (default 60). */
  maxAgeMinutes?: number;
  /** Drill gate: block a drill when the last sync is older than this × intervalSeconds (default 3, as Ramen). */
  rpoGateFactor?: number;
  /** --discard-site: the operator names the side whose divergent data may be discarded (resync, split brain). */
  discardSite?: string;
  /** Spec digest and file (default: the inventory's digest). */
  specDigest?: string;
  specFile?: string;
}

export const DEFAULT_MAX_AGE_MINUTES = 60;
export const DEFAULT_RPO_GATE_FACTOR = 3;

export function arrayVolumeName(driver: 'pure' | 'ceph', volumeId: string): string {
  // Cinder's Pure driver names array volumes volume-<id>-cinder; its RBD driver names images volume-<id>.
  return driver === 'pure' ? `volume-${volumeId}-cinder` : `volume-${volumeId}`;
}

/** Array-side base name: Pure pod volumes are `<pod>::<name>`. */
export function baseArrayName(v: string): string {
  const i = v.lastIndexOf('::');
  return i >= 0 ? v.slice(i + 2) : v;
}

function isProduction(x: { metadata: Record<string, string> }): boolean {
  return (x.metadata[TAG.role] ?? 'production') === 'production';
}

function invert(map: Record<string, string>): Record<string, string> | { clash: [string, string, string] } {
  const out: Record<string, string> = {};
  const from: Record<string, string> = {};
  for (const [k, v] of Object.entries(map)) {
    if (v in out) return { clash: [from[v]!, k, v] };
    out[v] = k;
    from[v] = k;
  }
  return out;
}

interface GroupResult {
  actions: PlanAction[];
  blockers: Blocker[];
  drift: Drift[];
  warnings: string[];
  overview: GroupOverview;
}

class GroupPlanner {
  readonly actions: PlanAction[] = [];
  readonly blockers: Blocker[] = [];
  readonly drift: Drift[] = [];
  readonly warnings: string[] = [];
  private readonly P: string;
  private readonly Q: string;
  private wanted?: ActionKind;
  private wantedLine?: string;
  private chain: string[] = [];
  private current?: string;
  private nextVersion = 1;
  private failoverCount = 0;
  private topRecord?: { site: string; rec: GroupRecord };
  private readonly memberInv: Map<string, MemberInventory>;

  constructor(
    readonly name: string,
    readonly g: GroupSpec,
    readonly spec: DRSpec,
    readonly inv: Inventory,
    readonly gi: GroupInventory | undefined,
    readonly journal: JournalView,
    readonly opts: BuildPlanOptions,
    readonly newId: () => string,
    readonly taken: Set<string>,
  ) {
    this.P = g.primarySite;
    this.Q = g.secondarySite;
    this.memberInv = new Map((gi?.members ?? []).map((m) => [m.server, m]));
  }

  // ---- facts ----------------------------------------------------------------------------------
  private other(s: string): string {
    return s === this.P ? this.Q : this.P;
  }
  private osUp(s: string): boolean {
    return this.inv.sites[s]?.reachable === true;
  }
  private arrayUp(s: string): boolean {
    return this.gi?.storage.perSite[s]?.reachable === true;
  }
  private up(s: string): boolean {
    return this.osUp(s) && this.arrayUp(s);
  }
  private downWhy(s: string): string {
    if (!this.osUp(s)) {
      const e = this.inv.sites[s]?.error;
      return `${s} unreachable${e ? ` (${e.message})` : ''}`;
    }
    const e = this.gi?.storage.perSite[s]?.error;
    return `${s}'s array unreachable${e ? ` (${e.message})` : ''}`;
  }
  private get driver(): 'pure' | 'ceph' {
    return this.spec.sites[this.P]?.storage.driver ?? 'pure';
  }
  private storageObject = (site: string): string => {
    const st = this.spec.sites[site]?.storage;
    if (st?.driver === 'ceph') return st.pool;
    return (this.g.replication.type === 'sync' ? this.g.replication.pod : this.g.replication.arrayGroup) ?? `drctl-${this.name}`;
  };
  private lag(): number | undefined {
    const st = this.gi?.storage;
    if (!st) return undefined;
    if (st.lagSeconds !== undefined) return st.lagSeconds;
    return st.lastSyncAt ? secondsBetween(st.lastSyncAt, this.opts.now) : undefined;
  }
  private lastSyncText(): string {
    if (this.g.replication.type === 'sync') {
      const l = this.lag();
      return l ? `sync replication, lag ${formatDuration(l)}` : 'sync replication';
    }
    const l = this.lag();
    return l === undefined ? 'no replicated snapshot yet' : `last sync ${formatDuration(l)} ago`;
  }
  private ctx(operationId: string): ExpandContext {
    return {
      group: this.name,
      g: this.g,
      operationId,
      storageObject: this.storageObject,
      driver: this.driver,
      nextVersion: this.nextVersion,
      failoverCount: this.failoverCount,
    };
  }
  private block(code: string, site: string | undefined, message: string, hint: string, overridable = false): void {
    this.blockers.push({
      group: this.name,
      code,
      message,
      hint,
      ...(this.wanted ? { action: this.wanted } : {}),
      ...(site ? { site } : {}),
      ...(overridable ? { overridable: true } : {}),
    });
  }
  private volumeFacts(v: VolumeInfo | CapturedVolume): VolumeFacts {
    return {
      id: v.id,
      name: v.name,
      size: v.size,
      volumeType: v.volumeType,
      bootable: v.bootable,
      arrayVolume: arrayVolumeName(this.driver, v.id),
    };
  }
  private liveFacts(member: string, tier: number, s: ServerInfo): MemberFacts {
    const vols = [...s.volumes].sort((a, b) => Number(b.bootable) - Number(a.bootable));
    return {
      member,
      tier,
      serverName: s.name,
      serverId: s.id,
      status: s.status,
      flavorName: s.flavorName,
      networks: [...s.networks],
      securityGroups: [...s.securityGroups],
      ...(s.keyName ? { keyName: s.keyName } : {}),
      volumes: vols.map((v) => this.volumeFacts(v)),
      source: 'live',
    };
  }
  /** Member facts from the given site (live) or the journal's captured copy. */
  private memberFacts(site: string, member: string, tier: number): MemberFacts | undefined {
    const mi = this.memberInv.get(member);
    const live = mi?.instances[site];
    if (live) return this.liveFacts(member, tier, live);
    const c = this.journal.captured?.[this.name]?.[member];
    if (!c) return undefined;
    return {
      member,
      tier,
      serverName: c.server,
      ...(c.serverId ? { serverId: c.serverId } : {}),
      flavorName: c.flavorName,
      networks: [...c.networks],
      securityGroups: [...c.securityGroups],
      ...(c.keyName ? { keyName: c.keyName } : {}),
      volumes: [...c.volumes].sort((a, b) => Number(b.bootable) - Number(a.bootable)).map((v) => this.volumeFacts(v)),
      source: 'captured',
    };
  }

  private addAction(a: Omit<PlanAction, 'group'>): PlanAction {
    const action: PlanAction = { group: this.name, ...a };
    this.actions.push(action);
    const close = [...action.steps].reverse().find((s) => s.name === 'operation.close');
    this.chain = close ? [close.id] : this.chain;
    return action;
  }

  // ---- the stages -----------------------------------------------------------------------------
  run(): GroupResult {
    this.plan();
    return {
      actions: this.actions,
      blockers: this.blockers,
      drift: this.drift,
      warnings: this.warnings,
      overview: this.overview(),
    };
  }

  private plan(): void {
    const gi = this.gi;
    if (!gi) {
      this.block(PlanCode.targetUnreachable, undefined, `${this.name} was not discovered`, 'run drctl plan again; if it persists, report it (discovery returned no entry for this group)');
      return;
    }
    // Records: the highest version among reachable sites is authoritative.
    const recs = [this.P, this.Q]
      .map((site) => ({ site, rec: gi.consistencyGroups[site]?.record }))
      .filter((x): x is { site: string; rec: GroupRecord } => Boolean(x.rec))
      .sort((a, b) => b.rec.version - a.rec.version);
    this.topRecord = recs[0];
    this.nextVersion = (this.topRecord?.rec.version ?? 0) + 1;
    this.failoverCount = this.topRecord?.rec.failoverCount ?? 0;
    this.current = this.topRecord?.rec.activeSite ?? gi.storage.direction?.from ?? this.P;

    // 1. resume
    const op = this.journal.unfinished.find((o) => o.group === this.name && !o.rolledBack && o.status !== 'completed');
    if (op) return this.planResume(op);

    // 2. fence / split brain
    const fence = this.topRecord?.rec.fenceRequired;
    if (fence) return this.planFence(fence);
    const activeOn = [this.P, this.Q].filter((s) => gi.members.some((m) => m.instances[s]?.status === 'ACTIVE' && isProduction(m.instances[s]!)));
    if (gi.storage.splitBrain || activeOn.length === 2) {
      const what = gi.storage.splitBrain
        ? `storage is primary on both ${this.P} and ${this.Q}`
        : `production instances are ACTIVE on both ${this.P} and ${this.Q}`;
      const d = this.opts.discardSite;
      if (d === this.P || d === this.Q) {
        this.warnings.push(`${this.name}: split brain (${what}); the operator named ${d} as the side to discard`);
        return this.planFenceAndReprotect(d, this.other(d), true);
      }
      this.wanted = 'fence';
      this.block(
        PlanCode.splitBrain,
        undefined,
        `split brain: ${what}; drctl never picks a side`,
        `decide which site's data to keep, then re-plan with --discard-site ${this.other(this.current)} (or --discard-site ${this.current}); the discarded side is stopped, demoted and resynced`,
      );
      return;
    }

    // 3. records out of date on one site
    if (!this.metadata(recs)) return;

    const current = this.current;
    const desired = this.g.activeSite;
    if (!this.up(current)) {
      if (desired !== current) return this.planMove(current, desired);
      this.warnings.push(
        `${this.name}: ${this.downWhy(current)}, where production runs; nothing can be checked there. To fail over, set activeSite: ${this.other(current)} (data at risk: ${this.riskText()})`,
      );
      return;
    }

    // 4. protection and membership
    const prot = this.protection(current);
    if (!prot) return;

    // 5. where production runs
    if (desired !== current) {
      if (prot.pending) {
        this.wanted = desired === this.P ? 'failback' : 'failover';
        this.wantedLine = `${this.wanted} ${current} → ${desired}`;
        this.block(
          PlanCode.notProtected,
          current,
          `${prot.pending} before it can move: ${prot.what}`,
          `keep activeSite: ${current}, apply the ${prot.pending} plan, then set activeSite: ${desired}`,
        );
        return;
      }
      return this.planMove(current, desired);
    }
    this.steadyDrift(current);

    // 6. drills (a drill needs replicated data: not while protection is still being applied)
    if (prot.pending && this.g.drill && this.drillUp().length === 0) {
      this.warnings.push(`${this.name}: the drill waits until the ${prot.pending} is applied and a snapshot has replicated; plan again afterwards`);
    } else this.planDrills(current);

    // 7. replication flowing from where production runs
    if (!prot.pending) this.planReprotectIfNeeded(current);

    // 8. the member metadata an unplanned failover needs (captured in the journal) is missing or stale
    if (!prot.pending) this.planCaptureIfStale(current);
  }

  /**
   * An unplanned failover recreates members from the metadata drctl captured (their site is down
   * then). When the journal has none for a member, or it no longer matches the live instance
   * (resized, re-networked, volumes changed), plan an `update` that captures it again.
   */
  private planCaptureIfStale(current: string): void {
    const captured = this.journal.captured?.[this.name] ?? {};
    const stale: Array<{ f: MemberFacts; why: string }> = [];
    const key = (xs: readonly string[]) => [...xs].sort().join(',');
    for (const m of this.g.members) {
      const inst = this.memberInv.get(m.server)?.instances[current];
      if (!inst) continue;
      const f = this.liveFacts(m.server, m.tier, inst);
      const c = captured[m.server];
      const why = !c
        ? 'never captured'
        : c.site !== current
          ? `captured on ${c.site}`
          : c.flavorName !== f.flavorName
            ? `flavor ${c.flavorName} → ${f.flavorName}`
            : key(c.networks) !== key(f.networks)
              ? 'networks changed'
              : key(c.securityGroups) !== key(f.securityGroups)
                ? 'security groups changed'
                : key(c.volumes.map((v) => v.id)) !== key(f.volumes.map((v) => v.id))
                  ? 'volumes changed'
                  : (c.keyName ?? '') !== (f.keyName ?? '')
                    ? 'key pair changed'
                    : undefined;
      if (why) stale.push({ f, why });
    }
    if (!stale.length) return;
    this.wanted = 'update';
    const c = this.ctx(this.newId());
    const s = new StepList(this.name, 'update', this.taken);
    expandCapture(c, s, { site: current, members: stale.map((x) => x.f), after: this.chain });
    const reasons = [...new Set(stale.map((x) => x.why))].join(', ');
    this.addAction({
      action: 'update',
      from: current,
      operationId: c.operationId,
      summary: `update the captured metadata of ${stale.length === 1 ? stale[0]!.f.member : plural(stale.length, 'member')} on ${current} (${reasons}; an unplanned failover recreates members from it)`,
      steps: s.steps,
    });
  }

  private riskText(): string {
    if (this.g.replication.type === 'sync') return `none expected (${this.lastSyncText()})`;
    const st = this.gi?.storage;
    if (!st?.lastSyncAt) return 'unknown (no replicated snapshot yet)';
    return `up to ${formatDuration(this.lag() ?? 0)} (last sync ${st.lastSyncAt})`;
  }

  /** Stage 3. Returns false when the group is blocked. */
  private metadata(recs: { site: string; rec: GroupRecord }[]): boolean {
    if (recs.length < 2 || !this.up(this.P) || !this.up(this.Q)) return true;
    const [hi, lo] = recs as [{ site: string; rec: GroupRecord }, { site: string; rec: GroupRecord }];
    const same = (a: GroupRecord, b: GroupRecord) =>
      a.version === b.version && a.activeSite === b.activeSite && a.failoverCount === b.failoverCount && (a.fenceRequired ?? '') === (b.fenceRequired ?? '');
    if (same(hi.rec, lo.rec)) return true;
    let from = hi;
    let to = lo;
    if (hi.rec.version === lo.rec.version) {
      const d = this.opts.discardSite;
      if (d !== this.P && d !== this.Q) {
        this.wanted = 'update';
        this.block(
          PlanCode.metadataOutOfSync,
          undefined,
          `group records disagree at the same version v${hi.rec.version}: ${hi.site} says active on ${hi.rec.activeSite}, ${lo.site} says active on ${lo.rec.activeSite}${hi.rec.failoverCount !== lo.rec.failoverCount ? ` (failover count ${hi.rec.failoverCount} vs ${lo.rec.failoverCount})` : ''}`,
          `check where production really runs (drctl status), then re-plan with --discard-site SITE naming the site whose record is wrong`,
        );
        return false;
      }
      to = d === hi.site ? hi : lo;
      from = d === hi.site ? lo : hi;
      this.current = from.rec.activeSite;
    }
    const c = this.ctx(this.newId());
    const s = new StepList(this.name, 'update', this.taken);
    expandUpdate(c, s, { from: from.site, to: to.site, record: { ...from.rec }, fromVersion: from.rec.version, toVersion: to.rec.version, after: this.chain });
    this.addAction({
      action: 'update',
      from: from.site,
      to: to.site,
      operationId: c.operationId,
      summary: `update group record on ${to.site} (v${to.rec.version} → v${from.rec.version} from ${from.site})`,
      steps: s.steps,
    });
    return true;
  }

  /** Stage 4. Returns undefined when blocked; `pending` names protect/member-add still to apply. */
  private protection(current: string): { pending?: 'protect' | 'member-add'; what: string } | undefined {
    const gi = this.gi!;
    const standby = this.other(current);
    const missing: string[] = [];
    const facts: MemberFacts[] = [];
    for (const m of this.g.members) {
      const inst = this.memberInv.get(m.server)?.instances[current];
      if (!inst) {
        missing.push(m.server);
        continue;
      }
      facts.push(this.liveFacts(m.server, m.tier, inst));
    }
    if (missing.length) {
      for (const m of missing) {
        this.block(
          PlanCode.memberNotFound,
          current,
          `member ${m} not found on ${current}, where ${this.name} runs`,
          `fix the member's server name or UUID in the spec, or remove the member; if it was deleted by hand, restore it first`,
        );
      }
      return undefined;
    }
    const cgCur = gi.consistencyGroups[current];
    const arrCur = gi.storage.perSite[current];
    const inCg = new Set(cgCur?.volumeIds ?? []);
    // Pod volumes are listed as `<pod>::<volume>`; compare base names.
    const inArray = new Set((arrCur?.exists ? arrCur.volumes : []).map(baseArrayName));
    const untagged = new Set<string>();
    const incomplete = new Set<MemberFacts>();
    const captured = this.journal.captured?.[this.name] ?? {};
    for (const f of facts) {
      const inst = this.memberInv.get(f.member)!.instances[current]!;
      if (inst.metadata[TAG.group] !== this.name) {
        untagged.add(f.member);
        const c = captured[f.member];
        if (c?.serverId && c.serverId !== inst.id) {
          this.drift.push({
            group: this.name,
            site: current,
            kind: 'untagged-server',
            message: `${inst.name} on ${current} (${inst.id}) is not the instance drctl protected (${c.serverId}): untagged server where drctl's instance should be; it will be protected as member ${f.member}`,
          });
        }
      } else if (f.volumes.some((v) => !inCg.has(v.id) || !inArray.has(v.arrayVolume))) incomplete.add(f);
    }
    const ensureSites = [current, standby].filter((s) => this.osUp(s) && gi.consistencyGroups[s] === null);
    const structural = !this.topRecord || ensureSites.length > 0 || !arrCur?.exists || incomplete.size > 0;
    const kind: 'protect' | 'member-add' | undefined = structural ? 'protect' : untagged.size ? 'member-add' : undefined;
    const strays = (gi.strayInstances[current] ?? []).filter(isProduction);

    if (kind) {
      const members = facts.filter((f) => untagged.has(f.member) || incomplete.has(f) || !this.topRecord);
      const what =
        kind === 'protect'
          ? !this.topRecord
            ? 'the group has never been protected'
            : `${[...(ensureSites.length ? [`consistency group missing on ${ensureSites.join(', ')}`] : []), ...(!arrCur?.exists ? [`${this.storageObject(current)} missing on ${current}'s array`] : []), ...(incomplete.size ? [`volumes of ${[...incomplete].map((f) => f.member).join(', ')} not in the consistency group / array group`] : []), ...(untagged.size ? [`new member(s) ${[...untagged].join(', ')}`] : [])].join('; ')}`
          : `member(s) ${[...untagged].join(', ')} not protected yet`;
      if (this.g.activeSite !== current) return { pending: kind, what };
      this.wanted = kind;
      if (!this.needBoth(kind)) return undefined;
      if (!this.checkVolumeTypes(members, [current, standby])) return undefined;
      const c = this.ctx(this.newId());
      const s = new StepList(this.name, kind, this.taken);
      const addVolumeIds = members.flatMap((f) => f.volumes.filter((v) => !inCg.has(v.id)).map((v) => v.id));
      const allArray = facts.flatMap((f) => f.volumes.map((v) => v.arrayVolume));
      expandProtect(c, s, {
        kind,
        site: current,
        peer: standby,
        members,
        untagged,
        addVolumeIds,
        ensureSites,
        arrayVolumes: allArray,
        storageNeeded: !arrCur?.exists || allArray.some((v) => !inArray.has(v)),
        after: this.chain,
      });
      const nVol = members.reduce((n, f) => n + f.volumes.length, 0);
      this.addAction({
        action: kind,
        from: current,
        to: standby,
        operationId: c.operationId,
        vms: members.length,
        storage: `${this.storageObject(current)} on ${current} → ${standby}`,
        summary:
          kind === 'protect'
            ? `protect ${current} → ${standby} · ${plural(members.length, 'VM')} · ${plural(nVol, 'volume')} into drctl-${this.name} and ${this.storageObject(current)}`
            : `member-add ${[...untagged].join(', ')} · ${plural(nVol, 'volume')} into drctl-${this.name} and ${this.storageObject(current)}`,
        steps: s.steps,
      });
    }
    if (strays.length) {
      if (!kind) this.wanted = 'member-remove';
      if (!this.needBoth('member-remove')) return undefined;
      const c = this.ctx(this.newId());
      const s = new StepList(this.name, 'member-remove', this.taken);
      const list = strays.map((x) => ({
        id: x.id,
        name: x.name,
        member: x.metadata[TAG.member] ?? x.name,
        volumeIds: x.volumes.map((v) => v.id),
        arrayVolumes: x.volumes.map((v) => arrayVolumeName(this.driver, v.id)),
      }));
      expandMemberRemove(c, s, { site: current, peer: standby, strays: list, after: this.chain });
      this.addAction({
        action: 'member-remove',
        from: current,
        to: standby,
        operationId: c.operationId,
        summary: `member-remove ${list.map((x) => x.member).join(', ')} · ${plural(list.reduce((n, x) => n + x.volumeIds.length, 0), 'volume')} out of drctl-${this.name} (servers untouched)`,
        steps: s.steps,
      });
    }
    return { ...(kind ? { pending: kind } : {}), what: '' };
  }

  /** Protection changes write the group record on both sites (DESIGN: modifications need both). */
  private needBoth(kind: ActionKind): boolean {
    let ok = true;
    for (const s of [this.P, this.Q]) {
      if (!this.up(s)) {
        ok = false;
        this.block(PlanCode.peerUnreachable, s, `${this.downWhy(s)}: ${kind} needs both sites (the group record is written on both)`, `restore ${s} and plan again`);
      }
    }
    return ok;
  }

  /** E3007 for every member volume whose type cannot be replicated. */
  private checkVolumeTypes(members: readonly MemberFacts[], sites: string[]): boolean {
    const want = this.g.replication.volumeType;
    let ok = true;
    const seenBackends = new Map<string, string>();
    for (const site of sites) {
      if (!this.osUp(site)) continue;
      const types = this.inv.sites[site]!.volumeTypes;
      const t = types.find((x) => x.name === want);
      if (!t) {
        ok = false;
        this.block(PlanCode.volumeTypeNotReplicated, site, `volume type ${want} does not exist on ${site}`, `create ${want} on ${site} with replication_enabled='<is> True' and replication_type='<in> ${this.g.replication.type}'`);
        continue;
      }
      if (!t.replicationEnabled) {
        ok = false;
        this.block(PlanCode.volumeTypeNotReplicated, site, `volume type ${want} on ${site} is not replication-enabled`, `set replication_enabled='<is> True' on ${want} (openstack volume type set --property replication_enabled='<is> True' ${want})`);
      }
      if (t.replicationType !== undefined && !t.replicationType.includes(this.g.replication.type)) {
        ok = false;
        this.block(PlanCode.volumeTypeNotReplicated, site, `volume type ${want} on ${site} has replication_type '${t.replicationType}', the group replicates ${this.g.replication.type}`, `set replication_type='<in> ${this.g.replication.type}' on ${want}, or change replication.type`);
      }
      if (t.backend) seenBackends.set(site, t.backend);
      for (const m of members) {
        if (site !== sites[0] || m.source !== 'live') continue;
        for (const v of m.volumes) {
          if (v.volumeType === want) continue;
          ok = false;
          const other = types.find((x) => x.name === v.volumeType || x.id === v.volumeType);
          const why = !other
            ? `type ${v.volumeType}`
            : !other.replicationEnabled
              ? `type ${v.volumeType}, not replication-enabled`
              : other.backend && t.backend && other.backend !== t.backend
                ? `type ${v.volumeType} on another backend (${other.backend}, the group's is ${t.backend})`
                : `type ${v.volumeType}, not the group's ${want}`;
          this.block(PlanCode.volumeTypeNotReplicated, site, `volume ${v.name || v.id} of ${m.member} is ${why}`, `retype it to ${want} (openstack volume set --type ${want} --retype-policy on-demand ${v.id}) or leave the member out`);
        }
      }
    }
    return ok;
  }

  /** Mapping from `from`'s names to `to`'s names; failback inverts unless reverse mappings are given. */
  private mapping(from: string, to: string): ResolvedMapping | undefined {
    const m = this.g.mappings;
    if (from === this.P) return { networks: { ...m.networks }, flavors: { ...m.flavors }, securityGroups: { ...(m.securityGroups ?? {}) } };
    void to;
    let ok = true;
    const inv = (map: Record<string, string>, given: Record<string, string> | undefined, what: string, key: string): Record<string, string> => {
      if (given) return { ...given };
      const r = invert(map);
      if ('clash' in r) {
        ok = false;
        const [a, b, v] = r.clash;
        this.block(
          PlanCode.mappingNotInvertible,
          undefined,
          `mappings.${what} cannot be inverted for ${this.wanted ?? 'failback'}: ${a} and ${b} both map to ${v}`,
          `add mappings.${key} (${this.Q} name → ${this.P} name), e.g. ${key}: { ${v}: ${a} }`,
        );
        return {};
      }
      return r;
    };
    const networks = inv(m.networks, m.reverseNetworks, 'networks', 'reverseNetworks');
    const flavors = inv(m.flavors, m.reverseFlavors, 'flavors', 'reverseFlavors');
    const sgr = invert(m.securityGroups ?? {});
    const securityGroups = 'clash' in sgr ? {} : sgr;
    return ok ? { networks, flavors, securityGroups } : undefined;
  }

  /** E3004/E3005/E3006/E3017/E3018 for members landing on `to` with this mapping. */
  private checkTargetFit(members: readonly MemberFacts[], to: string, map: ResolvedMapping, drill: boolean): boolean {
    const site = this.inv.sites[to];
    if (!site) return false;
    const nets = new Set(site.networks.map((n) => n.name));
    const netIds = new Set(site.networks.map((n) => n.id));
    const flavors = new Set(site.flavors.map((f) => f.name));
    const sgs = new Set(site.securityGroups);
    let ok = true;
    const reported = new Set<string>();
    const once = (key: string, f: () => void) => {
      if (reported.has(key)) return;
      reported.add(key);
      f();
    };
    for (const m of members) {
      for (const n of m.networks) {
        const mapped = map.networks[n];
        if (mapped === undefined) {
          ok = false;
          once(`net:${n}`, () =>
            drill
              ? this.block(PlanCode.drillNetworkUnmapped, to, `member ${m.member} has a NIC on ${n}, which has no drillNetworks entry`, `add ${this.current === this.P ? n : `its ${this.P} network`} to drillNetworks (an isolated network on ${to})`)
              : this.block(PlanCode.networkUnmapped, to, `member ${m.member} has a NIC on ${n}, which has no mapping to ${to}`, `add ${n} to mappings.${to === this.P ? 'reverseNetworks (or networks)' : 'networks'}`),
          );
        } else if (!nets.has(mapped) && !netIds.has(mapped)) {
          ok = false;
          once(`netmiss:${mapped}`, () => this.block(PlanCode.networkMissing, to, `network ${mapped} (mapped from ${n}) does not exist on ${to}`, `create ${mapped} on ${to}, or fix the mapping`));
        }
      }
      const flavor = map.flavors[m.flavorName] ?? m.flavorName;
      if (!flavors.has(flavor)) {
        ok = false;
        once(`flavor:${flavor}`, () =>
          this.block(PlanCode.flavorMissing, to, `flavor ${flavor}${flavor !== m.flavorName ? ` (mapped from ${m.flavorName})` : ''} of ${m.member} does not exist on ${to}`, `create flavor ${flavor} on ${to}, or map ${m.flavorName} in mappings.${to === this.P ? 'reverseFlavors' : 'flavors'}`),
        );
      }
      for (const sg of m.securityGroups) {
        const mapped = map.securityGroups[sg] ?? sg;
        if (!sgs.has(mapped)) {
          ok = false;
          once(`sg:${mapped}`, () => this.block(PlanCode.securityGroupMissing, to, `security group ${mapped} of ${m.member} does not exist on ${to}`, `create ${mapped} on ${to} with the same rules, or map it in mappings.securityGroups`));
        }
      }
    }
    return ok;
  }

  private allMemberFacts(site: string, blockSite: string): MemberFacts[] | undefined {
    const out: MemberFacts[] = [];
    let ok = true;
    for (const m of this.g.members) {
      const f = this.memberFacts(site, m.server, m.tier);
      if (!f) {
        ok = false;
        this.block(
          PlanCode.memberMetadataUnknown,
          blockSite,
          `no instance metadata for member ${m.server}: ${site} cannot be read and drctl never captured it`,
          `restore ${site}; next time, apply the plan's metadata update while both sites answer (drctl captures member metadata for exactly this)`,
        );
        continue;
      }
      out.push(f);
    }
    return ok ? out : undefined;
  }

  private drillUp(): string[] {
    const gi = this.gi!;
    return [this.P, this.Q].filter(
      (s) => (gi.drillInstances[s]?.length ?? 0) > 0 || (gi.drillVolumes[s]?.length ?? 0) > 0 || (gi.storage.perSite[s]?.drillVolumes.length ?? 0) > 0,
    );
  }

  /** Drill-cleanup for each site with drill resources. Returns false (blocked) if one cannot be cleaned. */
  private planCleanups(sites: string[], reason: string, blockIfDown: boolean): boolean {
    const gi = this.gi!;
    for (const site of sites) {
      if (!this.up(site)) {
        if (blockIfDown) {
          this.block(PlanCode.drillUp, site, `a drill is up on ${site} and must be cleaned up first (${reason}), but ${this.downWhy(site)}`, `restore ${site}, or set drill: false and clean up once it is back`);
          return false;
        }
        this.warnings.push(`${this.name}: drill resources on ${site} cannot be cleaned up now: ${this.downWhy(site)}`);
        continue;
      }
      const c = this.ctx(this.newId());
      const s = new StepList(this.name, 'drill-cleanup', this.taken);
      const servers = (gi.drillInstances[site] ?? []).map((x) => ({ id: x.id, name: x.name, ...(x.metadata[TAG.op] ? { op: x.metadata[TAG.op] } : {}) }));
      const volumes = (gi.drillVolumes[site] ?? []).map((x) => ({ id: x.id, name: x.name, ...(x.metadata[TAG.op] ? { op: x.metadata[TAG.op] } : {}) }));
      const arrayVolumes = [...(gi.storage.perSite[site]?.drillVolumes ?? [])];
      expandDrillCleanup(c, s, { site, servers, volumes, arrayVolumes, after: this.chain });
      this.addAction({
        action: 'drill-cleanup',
        to: site,
        operationId: c.operationId,
        vms: servers.length,
        storage: `remove drill clones on ${site}`,
        summary: `drill-cleanup on ${site} · delete ${plural(servers.length, 'drill VM')}, ${plural(volumes.length, 'volume')}, ${plural(arrayVolumes.length, 'array clone')}${reason ? ` · ${reason}` : ''}`,
        steps: s.steps,
      });
    }
    return true;
  }

  /** Stage 5: failover / failback, planned or unplanned. */
  private planMove(from: string, to: string): void {
    const kind: 'failover' | 'failback' = to === this.P ? 'failback' : 'failover';
    this.wanted = kind;
    const gi = this.gi!;
    const async = this.g.replication.type === 'async';
    const rpo = this.g.replication.rpoMinutes;
    this.wantedLine = `${kind} ${from} → ${to}`;
    const before = this.blockers.length;
    if (!this.up(to)) {
      this.block(PlanCode.targetUnreachable, to, `${this.downWhy(to)}: ${kind} ${from} → ${to} needs ${to}`, `restore ${to}; there is no override (drctl status shows what answers)`);
      return;
    }
    let mode: 'planned' | 'unplanned' = 'planned';
    /** Planned, but from the last replicated point (replication behind beyond the RPO, --allow-data-loss). */
    let lossy = false;
    let dataAtRisk: DataAtRisk = { seconds: 0, ...(gi.storage.lastSyncAt ? { lastSyncAt: gi.storage.lastSyncAt } : {}) };
    if (!this.up(from)) {
      const lastSync = gi.storage.lastSyncAt;
      // now − last replicated point, on the arrays' clock when discovery measured it (lagSeconds).
      const window = async ? (gi.storage.lagSeconds ?? (lastSync ? secondsBetween(lastSync, this.opts.now) : undefined)) : (gi.storage.lagSeconds ?? 0);
      const risk = window === undefined ? 'an unknown amount' : `up to ${formatDuration(window)}`;
      if (this.g.failover.mode !== 'unplanned' && !this.opts.allowDataLoss) {
        this.block(
          PlanCode.peerUnreachable,
          from,
          `${this.downWhy(from)}: planned ${kind} needs both sites`,
          `set failover.mode: unplanned or pass --allow-data-loss to accept ${risk} of data loss`,
          true,
        );
        return;
      }
      mode = 'unplanned';
      if (async && !lastSync) {
        this.block(PlanCode.rpoExceeded, to, `no replicated snapshot of ${this.storageObject(to)} has reached ${to}: an unplanned ${kind} has nothing to recover`, `restore ${from}; nothing can be recovered on ${to} without a replicated point`);
        return;
      }
      dataAtRisk = { seconds: window ?? 0, ...(lastSync ? { lastSyncAt: lastSync } : {}) };
      if (async && rpo !== undefined && (window ?? 0) > rpo * 60 && !this.opts.allowDataLoss) {
        this.block(
          PlanCode.rpoExceeded,
          to,
          `the last replicated point on ${to} is ${formatDuration(window ?? 0)} old, beyond rpoMinutes ${rpo}: an unplanned ${kind} loses more than the RPO`,
          `pass --allow-data-loss to accept ${risk} of data loss`,
          true,
        );
      }
    } else if (async && rpo !== undefined) {
      const lag = this.lag();
      if (lag === undefined) {
        if (!this.opts.allowDataLoss)
          this.block(PlanCode.rpoExceeded, to, `no replicated snapshot of ${this.storageObject(from)} on ${to} yet: replication is not working`, `check replication ${from} → ${to} and wait for a snapshot, or pass --allow-data-loss`, true);
      } else if (lag > rpo * 60 && !this.opts.allowDataLoss) {
        this.block(
          PlanCode.rpoExceeded,
          to,
          `replication ${from} → ${to} is ${formatDuration(lag)} behind, beyond rpoMinutes ${rpo}: the link may be broken and the final sync would have to ship all of it`,
          `fix replication and wait for a fresh sync, or pass --allow-data-loss to go ahead`,
          true,
        );
      } else if (lag > rpo * 60) {
        // --allow-data-loss with both sites up: a final sync over a link this far behind may never
        // arrive. Stop on `from`, demote it, and force-promote `to` from the last replicated point;
        // the writes since then are what is at risk, and the plan says so.
        lossy = true;
        dataAtRisk = { seconds: lag, ...(gi.storage.lastSyncAt ? { lastSyncAt: gi.storage.lastSyncAt } : {}) };
      }
    }
    if (!gi.storage.perSite[to]?.exists) {
      this.block(PlanCode.notProtected, to, `${this.storageObject(to)} does not exist on ${to}'s array: ${this.name} is not protected towards ${to}`, `keep activeSite: ${from} until drctl has protected the group, then fail over`);
    }
    const map = this.mapping(from, to);
    const members = this.allMemberFacts(from, to);
    if (map && members) {
      this.checkTargetFit(members, to, map, false);
      if (mode === 'planned') this.checkVolumeTypes(members, [from, to]);
      else this.checkVolumeTypes([], [to]);
    }
    // A member already running (tagged) on the target is a leftover: report it.
    for (const m of gi.members) {
      const t = m.instances[to];
      if (t && isProduction(t) && t.metadata[TAG.group] === this.name) {
        this.drift.push({ group: this.name, site: to, kind: 'leftover-instance', message: `a ${t.status} production instance of ${m.server} (${t.id}) already exists on ${to}; drctl creates its own and leaves it alone — remove it by hand` });
      }
    }
    const drills = this.drillUp();
    if (this.blockers.length > before || !map || !members) return;
    if (drills.length) {
      if (!this.planCleanups(drills, `first, because a ${kind} is wanted`, true)) return;
      if (this.g.drill) this.warnings.push(`${this.name}: the drill is cleaned up before the ${kind}; a later plan brings it up again on the new standby site (${from})`);
    }
    const c = this.ctx(this.newId());
    const s = new StepList(this.name, kind, this.taken);
    expandMove(c, s, {
      kind,
      from,
      to,
      mode,
      members,
      mapping: map,
      after: this.chain,
      ...(mode === 'unplanned' || lossy ? { dataLossWindowSeconds: dataAtRisk.seconds } : {}),
      ...(dataAtRisk.lastSyncAt ? { lastSyncAt: dataAtRisk.lastSyncAt } : {}),
      retireSource: mode === 'planned',
      ...(lossy ? { fromLastReplicated: true } : {}),
    });
    const obj = this.storageObject(to);
    const forced = mode === 'unplanned' || lossy;
    const risk = lossy
      ? `up to ${formatDuration(dataAtRisk.seconds)} (last sync ${dataAtRisk.lastSyncAt}; replication is behind, so no final sync: ${to} starts from the last replicated point and ${from}'s later writes are not carried over)`
      : mode === 'planned'
        ? `none (${this.lastSyncText()})`
        : this.g.replication.type === 'sync'
          ? `${dataAtRisk.seconds ? `up to ${formatDuration(dataAtRisk.seconds)}` : 'none expected'} (sync replication)`
          : `up to ${formatDuration(dataAtRisk.seconds)} (last sync ${dataAtRisk.lastSyncAt})`;
    this.addAction({
      action: kind,
      mode,
      from,
      to,
      operationId: c.operationId,
      vms: members.length,
      storage: `${forced ? 'force-promote' : 'promote'} ${obj} on ${to}${lossy ? ' from the last replicated point' : ''}`,
      dataAtRisk,
      summary: `${kind} ${from} → ${to} (${mode}${lossy ? ', from the last replicated point' : ''}) · ${plural(members.length, 'VM')} · ${forced ? 'force-promote' : 'promote'} ${obj} on ${to} · data at risk: ${risk}`,
      steps: s.steps,
    });
    if (lossy) {
      this.warnings.push(
        `${this.name}: --allow-data-loss: ${kind} ${from} → ${to} from the last replicated point (${dataAtRisk.lastSyncAt}); ${from}'s writes after it stay on ${from}'s array in the old volumes (unmanaged, kept), not on ${to}`,
      );
    }
    if (mode === 'unplanned') this.warnings.push(`${this.name}: unplanned ${kind}: ${from} must be fenced when it comes back (the next plan does it before anything else)`);
    if (this.g.failover.mode === 'unplanned' && mode === 'planned') {
      /* both sites answer: a planned failover loses nothing, so it is preferred even with mode: unplanned */
    }
  }

  private steadyDrift(current: string): void {
    const gi = this.gi!;
    for (const m of gi.members) {
      const i = m.instances[current];
      if (i && i.status !== 'ACTIVE' && i.status !== 'BUILD') {
        this.drift.push({ group: this.name, site: current, kind: 'stopped-outside-drctl', message: `${i.name} is ${i.status} on ${current}, where ${this.name} runs (changed outside drctl; drctl does not start it)` });
      }
      const o = m.instances[this.other(current)];
      if (o && isProduction(o) && o.metadata[TAG.group] === this.name && o.status !== 'ACTIVE') {
        this.drift.push({ group: this.name, site: this.other(current), kind: 'leftover-instance', message: `a ${o.status} production instance of ${m.server} (${o.id}) is on ${this.other(current)}, the standby site; drctl leaves it alone — remove it by hand` });
      }
    }
    const dir = gi.storage.direction;
    if (this.topRecord && dir && dir.from !== current) {
      this.drift.push({ group: this.name, kind: 'record-mismatch', message: `the group record says ${this.name} runs on ${current}, but ${this.storageObject(dir.from)} replicates ${dir.from} → ${dir.to}` });
    }
  }

  private planDrills(current: string): void {
    const standby = this.other(current);
    const up = this.drillUp();
    const gi = this.gi!;
    if (!this.g.drill) {
      if (up.length) {
        this.wanted = 'drill-cleanup';
        this.planCleanups(up, '', false);
      }
      return;
    }
    if (up.length) {
      const n = gi.drillInstances[standby]?.length ?? 0;
      if (n < this.g.members.length) {
        this.drift.push({ group: this.name, site: standby, kind: 'drill-incomplete', message: `the drill on ${standby} has ${n} of ${this.g.members.length} copies (something was removed outside drctl); set drill: false to clean up, then true again` });
      }
      return;
    }
    this.wanted = 'drill';
    this.wantedLine = `drill on ${standby}`;
    const before = this.blockers.length;
    if (!this.up(standby)) {
      this.block(PlanCode.targetUnreachable, standby, `${this.downWhy(standby)}: the drill runs on ${standby}`, `restore ${standby}, or set drill: false`);
      return;
    }
    if (!gi.storage.perSite[standby]?.exists) {
      this.block(PlanCode.notProtected, standby, `${this.storageObject(standby)} does not exist on ${standby}'s array: nothing replicated to drill with`, `let drctl protect the group first, then set drill: true`);
      return;
    }
    const iv = this.g.replication.intervalSeconds;
    const factor = this.opts.rpoGateFactor ?? DEFAULT_RPO_GATE_FACTOR;
    if (this.g.replication.type === 'async') {
      const lag = this.lag();
      if (lag === undefined) {
        if (!this.opts.allowDataLoss) this.block(PlanCode.drillStaleData, standby, `no replicated snapshot on ${standby} yet: nothing to drill with`, `wait for replication, or pass --allow-data-loss`, true);
      } else if (iv && lag > factor * iv && !this.opts.allowDataLoss) {
        this.block(
          PlanCode.drillStaleData,
          standby,
          `the last sync to ${standby} is ${formatDuration(lag)} old, more than ${factor}× the ${formatDuration(iv)} interval: the drill would test stale data`,
          `fix replication and wait for a sync, or pass --allow-data-loss to drill on this data`,
          true,
        );
      }
    }
    // Drill networks: member networks (named on `current`) → primary names → drillNetworks.
    const dn = this.g.drillNetworks ?? {};
    let toPrimary: Record<string, string> = {};
    if (current !== this.P) {
      const r = this.g.mappings.reverseNetworks ?? invert(this.g.mappings.networks);
      toPrimary = 'clash' in r ? {} : (r as Record<string, string>);
    }
    const move = this.mapping(current, standby);
    const members = this.allMemberFacts(current, standby);
    if (!move || !members) return;
    const networks: Record<string, string> = {};
    for (const m of members)
      for (const n of m.networks) {
        const p = current === this.P ? n : toPrimary[n];
        if (p !== undefined && dn[p] !== undefined) networks[n] = dn[p]!;
      }
    const map: ResolvedMapping = { networks, flavors: move.flavors, securityGroups: move.securityGroups };
    this.checkTargetFit(members, standby, map, true);
    if (this.blockers.length > before) return;
    const c = this.ctx(this.newId());
    const s = new StepList(this.name, 'drill', this.taken);
    expandDrill(c, s, { site: standby, production: current, members, mapping: map, after: this.chain, ...(gi.storage.lastSyncAt ? { lastSyncAt: gi.storage.lastSyncAt } : {}) });
    this.addAction({
      action: 'drill',
      to: standby,
      from: current,
      operationId: c.operationId,
      vms: members.length,
      storage: `clone ${this.storageObject(standby)} on ${standby}`,
      summary: `drill on ${standby} · ${plural(members.length, 'VM copy', 'VM copies')} on drill networks · clone ${this.storageObject(standby)} (${this.lastSyncText()}) · production on ${current} untouched`,
      steps: s.steps,
    });
  }

  private planReprotectIfNeeded(current: string): void {
    const gi = this.gi!;
    const standby = this.other(current);
    if (!this.up(current) || !this.up(standby)) return;
    const roleCur = gi.storage.perSite[current]?.role;
    const roleStb = gi.storage.perSite[standby]?.role;
    if (roleCur === 'source' && (roleStb === 'target' || roleStb === 'unknown')) return;
    if (roleCur === 'unknown' || roleCur === undefined) {
      this.warnings.push(`${this.name}: the replication role of ${this.storageObject(current)} on ${current} is unknown; drctl cannot tell whether data flows ${current} → ${standby}`);
      return;
    }
    if (!this.g.failover.reverseReplication) {
      this.warnings.push(`${this.name}: not replicating ${current} → ${standby} (failover.reverseReplication: false); the group is unprotected until replication runs again`);
      return;
    }
    this.wanted = 'reprotect';
    const c = this.ctx(this.newId());
    const s = new StepList(this.name, 'reprotect', this.taken);
    expandReprotect(c, s, { active: current, standby, demoteStandby: roleStb === 'source', ensureStandby: gi.consistencyGroups[standby] === null, after: this.chain });
    this.addAction({
      action: 'reprotect',
      from: current,
      to: standby,
      operationId: c.operationId,
      storage: `replicate ${this.storageObject(current)} ${current} → ${standby}`,
      summary: `reprotect ${current} → ${standby} · ${roleStb === 'source' ? `demote ${standby}, ` : ''}replicate ${this.storageObject(current)} ${current} → ${standby} (was ${roleCur} on ${current})`,
      steps: s.steps,
    });
  }

  /** Stage 2, with a fence record: fence the returned site, then reprotect. */
  private planFence(fenceSite: string): void {
    const active = this.other(fenceSite);
    this.current = active;
    if (!this.up(fenceSite)) {
      const wants = this.g.activeSite === fenceSite ? `failback to ${fenceSite}` : this.g.drill ? `a drill on ${fenceSite}` : undefined;
      if (wants) {
        this.wanted = this.g.activeSite === fenceSite ? 'failback' : 'drill';
        this.block(PlanCode.unfenced, fenceSite, `${fenceSite} must be fenced after the unplanned failover before ${wants}, but ${this.downWhy(fenceSite)}`, `restore ${fenceSite}: the next plan stops its stale instances and demotes its storage first`);
      } else this.warnings.push(`${this.name}: ${fenceSite} is still unreachable; it will be fenced when it comes back`);
      return;
    }
    if (this.g.activeSite === fenceSite) this.warnings.push(`${this.name}: failback to ${fenceSite} waits until ${fenceSite} is fenced and reprotected; plan again after applying this plan`);
    this.planFenceAndReprotect(fenceSite, active, false);
  }

  private planFenceAndReprotect(stale: string, active: string, splitBrain: boolean): void {
    const gi = this.gi!;
    this.current = active;
    if (!this.up(active)) {
      this.wanted = 'fence';
      this.block(PlanCode.targetUnreachable, active, `${this.downWhy(active)}: production is meant to run there`, `restore ${active}`);
      return;
    }
    const stales: MemberFacts[] = [];
    for (const m of this.g.members) {
      const i = this.memberInv.get(m.server)?.instances[stale];
      if (i && isProduction(i)) stales.push(this.liveFacts(m.server, m.tier, i));
    }
    const role = gi.storage.perSite[stale]?.role;
    const demote = role === 'source' || role === 'split-brain' || role === 'unknown';
    if (stales.length || demote) {
      this.wanted = 'fence';
      const c = this.ctx(this.newId());
      const s = new StepList(this.name, 'fence', this.taken);
      expandFence(c, s, { site: stale, active, stale: stales, demote, after: this.chain });
      const running = stales.filter((m) => m.status !== 'SHUTOFF').length;
      this.addAction({
        action: 'fence',
        to: stale,
        from: active,
        operationId: c.operationId,
        vms: stales.length,
        storage: demote ? `demote ${this.storageObject(stale)} on ${stale}` : undefined,
        summary: `fence ${stale} (${splitBrain ? 'named by the operator as the side to discard' : 'returned after an unplanned failover'}) · stop ${plural(running, 'stale VM')}${demote ? ` · demote ${this.storageObject(stale)} on ${stale}` : ''} · retire ${plural(stales.length, 'stale instance')} (volumes kept)`,
        steps: s.steps,
      });
    }
    if (!this.g.failover.reverseReplication && !splitBrain) {
      this.warnings.push(`${this.name}: replication ${active} → ${stale} is not re-established (failover.reverseReplication: false)`);
      return;
    }
    const confirmed = this.opts.discardSite === stale;
    const resync: StepConfirmation = {
      discardSite: stale,
      reason: `resyncing ${stale} from ${active} throws away every write made on ${stale} after its last replication to ${active}`,
      how: `drctl plan --discard-site ${stale} (the confirmation is part of the reviewed plan)`,
      confirmed,
    };
    this.wanted = 'reprotect';
    const c = this.ctx(this.newId());
    const s = new StepList(this.name, 'reprotect', this.taken);
    expandReprotect(c, s, { active, standby: stale, resync, demoteStandby: false, ensureStandby: gi.consistencyGroups[stale] === null, after: this.chain });
    this.addAction({
      action: 'reprotect',
      from: active,
      to: stale,
      operationId: c.operationId,
      storage: `resync ${stale} from ${active}`,
      summary: `reprotect ${active} → ${stale} · resync ${stale} from ${active} (discards ${stale}'s divergent writes; ${confirmed ? 'confirmed with --discard-site' : `needs confirmation: --discard-site ${stale}`})`,
      steps: s.steps,
    });
    if (!confirmed) this.warnings.push(`${this.name}: the resync of ${stale} needs the operator's confirmation: re-plan with --discard-site ${stale}; until then apply stops before it`);
  }

  /** Stage 1: resume the unfinished operation, and nothing else on the group. */
  private planResume(op: JournalOperation): void {
    this.wanted = 'resume';
    const done = new Set(op.stepsCompleted);
    let all: PlanStep[] | undefined;
    if (op.steps && op.steps.length) {
      all = op.steps.map((st) => ({ ...st, description: st.description ?? st.name, dependsOn: [...st.dependsOn] }));
    } else if ((op.type === 'failover' || op.type === 'failback') && op.sourceSite && op.targetSite) {
      const from = op.sourceSite;
      const to = op.targetSite;
      const members = this.g.members.map(
        (m) =>
          this.memberFacts(from, m.server, m.tier) ??
          this.memberFacts(to, m.server, m.tier) ?? { member: m.server, tier: m.tier, serverName: m.server, flavorName: '', networks: [], securityGroups: [], volumes: [], source: 'captured' as const },
      );
      const map = this.mapping(from, to) ?? { networks: {}, flavors: {}, securityGroups: {} };
      const s = new StepList(this.name, op.type, new Set());
      expandMove(this.ctx(op.id), s, {
        kind: op.type,
        from,
        to,
        mode: op.mode ?? 'planned',
        members,
        mapping: map,
        after: [],
        ...(op.dataLossWindowSeconds !== undefined ? { dataLossWindowSeconds: op.dataLossWindowSeconds } : {}),
        retireSource: (op.mode ?? 'planned') === 'planned',
      });
      all = s.steps;
      this.warnings.push(`${this.name}: operation ${op.id} has no journaled steps; its remaining steps were rebuilt from the spec`);
    }
    if (!all) {
      this.block(PlanCode.resumeBlocked, undefined, `operation ${op.id} (${op.type}) is unfinished but its steps are not in the journal`, `inspect it with drctl ops show ${op.id}; finish it by hand, or mark it failed in the state`);
      return;
    }
    const remaining = all
      .filter((st) => !done.has(st.id))
      .map((st) => {
        const id = this.taken.has(st.id) ? `${st.id}#resume` : st.id;
        this.taken.add(id);
        return { ...st, id, dependsOn: st.dependsOn.filter((d) => !done.has(d)) };
      });
    const needs = [...new Set(remaining.map((st) => st.site).filter((x): x is string => Boolean(x)))].sort();
    let ok = true;
    for (const site of needs) {
      if (!this.up(site)) {
        ok = false;
        const n = remaining.filter((st) => st.site === site).length;
        this.block(PlanCode.resumeBlocked, site, `operation ${op.id} (${op.type}) cannot resume: ${this.downWhy(site)}, and ${plural(n, 'remaining step')} act there`, `restore ${site}; the next apply resumes ${op.id} where it stopped`);
      }
    }
    if (!ok) return;
    const desired = this.g.activeSite;
    if ((op.type === 'failover' || op.type === 'failback') && op.targetSite && desired !== op.targetSite) {
      this.warnings.push(`${this.name}: the spec now wants ${desired}, but ${op.id} (${op.type} → ${op.targetSite}) is unfinished: it is resumed first; plan again afterwards`);
    }
    const mode = op.mode;
    this.addAction({
      action: 'resume',
      ...(mode ? { mode } : {}),
      ...(op.sourceSite ? { from: op.sourceSite } : {}),
      ...(op.targetSite ? { to: op.targetSite } : {}),
      resumeOperation: op.id,
      operationId: op.id,
      resumes: { type: op.type, stepsCompleted: all.length - remaining.length, stepsTotal: all.length, status: op.status },
      ...(op.dataLossWindowSeconds !== undefined ? { dataAtRisk: { seconds: op.dataLossWindowSeconds } } : {}),
      summary: `resume ${op.type} ${op.id}${op.sourceSite && op.targetSite ? ` (${op.sourceSite} → ${op.targetSite})` : ''} · ${all.length - remaining.length} of ${all.length} steps done, ${plural(remaining.length, 'step')} left · nothing new starts on this group${op.dataLossWindowSeconds ? ` · data-loss window ${formatDuration(op.dataLossWindowSeconds)} (recorded)` : ''}`,
      steps: remaining,
    });
  }

  private overview(): GroupOverview {
    const gi = this.gi;
    const base = {
      name: this.name,
      ...(this.current ? { currentSite: this.current } : {}),
      desiredSite: this.g.activeSite,
      replication: this.g.replication.type,
      ...(gi?.storage.lastSyncAt ? { lastSyncAt: gi.storage.lastSyncAt } : {}),
      ...(this.lag() !== undefined ? { lagSeconds: this.lag()! } : {}),
    };
    if (this.blockers.length) {
      const codes = [...new Set(this.blockers.map((b) => b.code))].join(', ');
      const w = this.wantedLine ?? this.wanted ?? 'changes';
      return { ...base, status: 'blocked', line: `${this.name}: BLOCKED · ${w} wanted · ${plural(this.blockers.length, 'blocker')} (${codes})` };
    }
    if (this.actions.length) return { ...base, status: 'changes', line: `${this.name}: ${this.actions.map((a) => a.summary).join(' ; then ')}` };
    const where = this.current ? `running on ${this.current}` : 'not running anywhere drctl can see';
    return { ...base, status: 'no-changes', line: `${this.name}: no changes · ${where} · ${this.lastSyncText()}${this.g.drill ? ' · drill up' : ''}` };
  }
}

type CapturedVolume = { id: string; name: string; size: number; volumeType: string; bootable: boolean };

export function buildPlan(spec: DRSpec, inventory: Inventory, journal: JournalView, options: BuildPlanOptions): Plan {
  const newId = options.newId ?? defaultIdGenerator(options.now);
  const all = Object.keys(spec.groups);
  let scope = all;
  const warnings: string[] = [];
  if (options.targets && options.targets.length) {
    const unknown = options.targets.filter((t) => !spec.groups[t]);
    if (unknown.length) {
      throw new DrctlError(PlanCode.unknownTarget, `--target names ${unknown.length === 1 ? 'a group' : 'groups'} not in the spec: ${unknown.join(', ')}`, {
        hint: `groups in ${spec.metadata.name}: ${all.join(', ')}`,
      });
    }
    const want = new Set(options.targets);
    scope = all.filter((g) => want.has(g));
    warnings.push(
      `Resource targeting is in effect: only ${scope.join(', ')} ${scope.length === 1 ? 'was' : 'were'} planned; the other groups may not match the spec. ` +
        `Use --target for exceptional situations (recovering one group, an outage), not as routine.`,
    );
  }
  const taken = new Set<string>();
  const actions: PlanAction[] = [];
  const blockers: Blocker[] = [];
  const drift: Drift[] = [];
  const groups: GroupOverview[] = [];
  for (const name of scope) {
    const r = new GroupPlanner(name, spec.groups[name]!, spec, inventory, inventory.groups[name], journal, options, newId, taken).run();
    // A blocked group gets no actions: nothing of it is half-planned.
    if (r.blockers.length === 0) actions.push(...r.actions);
    blockers.push(...r.blockers);
    drift.push(...r.drift);
    warnings.push(...r.warnings);
    groups.push(r.overview);
  }
  const steps = actions.flatMap((a) => a.steps);
  topoOrder(steps, { ignoreMissing: actions.some((a) => a.action === 'resume') });
  const byAction: Partial<Record<ActionKind, number>> = {};
  for (const a of actions) byAction[a.action] = (byAction[a.action] ?? 0) + 1;
  const createdAt = options.now.toISOString();
  const plan: Plan = {
    format_version: PLAN_FORMAT_VERSION,
    spec: { name: spec.metadata.name, digest: options.specDigest ?? inventory.spec.digest, ...(options.specFile ? { file: options.specFile } : {}) },
    createdAt,
    ...(options.targets && options.targets.length ? { targets: scope } : {}),
    groups,
    actions,
    blockers,
    drift,
    warnings,
    summary: {
      groups: scope.length,
      actions: actions.length,
      steps: steps.length,
      blocked: new Set(blockers.map((b) => b.group)).size,
      changes: actions.length > 0,
      byAction,
    },
  };
  const facts = factsOf(spec, inventory, plan);
  plan.bindings = {
    specDigest: plan.spec.digest,
    stateLineage: journal.lineage,
    stateSerial: journal.serial,
    factsDigest: digestFacts(facts),
    facts,
    createdAt,
    expiresAt: new Date(options.now.getTime() + (options.maxAgeMinutes ?? DEFAULT_MAX_AGE_MINUTES) * 60_000).toISOString(),
  };
  return plan;
}
