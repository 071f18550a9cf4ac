/**
 * Entries of map ziriz_calls for the deny lists the LSM programs (and, where
 * LSM is unavailable, the exec tracepoint) enforce: `files.deny` paths and
 * `process.deny` executables. Deny lists have no category default: what is
 * not listed may be opened or run. A path entry covers the path and
 * everything beneath it (bpf/lib/paths.h checks every '/' boundary); paths
 * are hashed whole (pathHash), base names like call names (nameHash).
 * A path listed by an Enforce and an Audit policy is DENY (deny wins).
 */
import { Action, CallKind, Verdict } from '../../abi/enums.js';
import { nameHash, pathHash } from '../../abi/fnv.js';
import { PATH_MAX, PATH_PREFIXES } from '../../abi/structs.js';
import type { CompiledPolicySet } from '../compiled.js';
import type { CallEntry } from './types.js';

/** ZIRIZ_PATH_MAX - 1: the longest path the kernel reads whole (parse.ts refuses longer entries). */
export const LSM_PATH_MAX = PATH_MAX - 1;
/**
 * ZIRIZ_PATH_PREFIXES (bpf/lib/paths.h): the kernel looks up a path's first
 * 16 directory prefixes and the whole path, so a deny entry deeper than 16
 * segments could only ever match exactly; parse.ts refuses such entries.
 */
export const LSM_PATH_SEGMENTS = PATH_PREFIXES;

function entry(policyId: number, kind: CallKind, hash: bigint, layer: 'enforce' | 'audit', ruleId: number, name: string, kill: boolean): CallEntry {
  const deny = layer === 'enforce';
  return {
    policyId, kind, nameHash: hash,
    verdict: deny ? Verdict.DENY : Verdict.AUDIT,
    action: deny ? (kill ? Action.KILL : Action.BLOCK) : 0,
    ruleId, names: [name],
  };
}

/** A path the kernel can match (parse.ts guarantees it; a violation is a bug, not a silent skip). */
function kernelPath(p: string): string {
  if (Buffer.byteLength(p) > LSM_PATH_MAX || p.split('/').length - 1 > LSM_PATH_SEGMENTS) {
    throw new RangeError(`deny-list path beyond the kernel's limits reached the compiler: ${p}`);
  }
  return p;
}

function trimSlash(p: string): string {
  return p.length > 1 ? p.replace(/\/+$/, '') : p;
}

export function lsmEntries(set: CompiledPolicySet, policyId: number): CallEntry[] {
  const byKey = new Map<string, CallEntry>();
  const add = (e: CallEntry): void => {
    const k = `${e.kind}:${e.nameHash}`;
    const have = byKey.get(k);
    if (!have || (have.verdict !== Verdict.DENY && e.verdict === Verdict.DENY)) byKey.set(k, e);
    else byKey.set(k, { ...have, names: [...new Set([...have.names, ...e.names])] });
  };
  const kill = set.action === 'Kill';
  for (const r of set.files) {
    const p = trimSlash(r.path);
    add(entry(policyId, CallKind.FILE_PREFIX, pathHash(kernelPath(p)), r.layer, r.info.id, p, kill));
  }
  for (const r of set.process) {
    if (r.match.path !== undefined) {
      const p = trimSlash(r.match.path);
      add(entry(policyId, CallKind.EXEC_PATH, pathHash(kernelPath(p)), r.layer, r.info.id, p, kill));
    }
    if (r.match.name !== undefined) add(entry(policyId, CallKind.EXEC_NAME, nameHash(r.match.name), r.layer, r.info.id, r.match.name, kill));
  }
  return [...byKey.values()];
}
