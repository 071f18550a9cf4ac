/**
 * One node per machine: its bridge, cgroup root and the kubelet's fixed host
 * paths cannot be shared. The lock file names the state file of the cluster
 * that holds it; a holder whose processes all exited is taken over.
 */
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { ZirizError } from '../../core/errors/ziriz-error.js';
import { isRunning, type ProcessRecord } from './process.js';
import { waitFor } from './wait.js';

export const nodeLockFile = '/run/ziriz-node.lock';

/** Another local cluster's node runs on this machine and did not stop in time. */
export class NodeBusyError extends ZirizError {
  readonly holder: string;
  constructor(holder: string, waitedMs: number) {
    super('E_CLUSTER_NODE_BUSY', `another local cluster's node runs on this machine (state ${holder}); waited ${waitedMs} ms. Stop it with hack/cluster/down or wait.`);
    this.holder = holder;
  }
}

function holderAlive(stateFile: string): boolean {
  if (!existsSync(stateFile)) return false;
  try {
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as { controlPlane?: Record<string, unknown>; node?: Record<string, unknown> };
    const recs = [...Object.values(state.controlPlane ?? {}), ...Object.values(state.node ?? {})]
      .filter((v): v is ProcessRecord => typeof v === 'object' && v !== null && 'pid' in v && 'startTicks' in v);
    return recs.some(isRunning);
  } catch {
    return false;
  }
}

/** Take the node lock for the cluster whose state file is `stateFile`, waiting up to waitMs. */
export async function acquireNodeLock(stateFile: string, waitMs: number): Promise<void> {
  let holder = '';
  await waitFor('the machine\'s node lock', () => {
    try {
      writeFileSync(nodeLockFile, stateFile, { flag: 'wx' });
      return Promise.resolve(true);
    } catch {
      holder = existsSync(nodeLockFile) ? readFileSync(nodeLockFile, 'utf8') : '';
      if (holder === stateFile) return Promise.resolve(true);
      if (holder && holderAlive(holder)) return Promise.resolve(undefined);
      // The holder is gone: take over, then make sure no other waiter did the same.
      writeFileSync(`${nodeLockFile}.${process.pid}`, stateFile);
      renameSync(`${nodeLockFile}.${process.pid}`, nodeLockFile);
      return Promise.resolve(readFileSync(nodeLockFile, 'utf8') === stateFile ? true : undefined);
    }
  }, { timeoutMs: waitMs, intervalMs: 1000 }).catch(() => {
    throw new NodeBusyError(holder, waitMs);
  });
}

/** The state file of a node-lock holder that is still alive, if any. */
export function nodeLockHolder(): string | undefined {
  if (!existsSync(nodeLockFile)) return undefined;
  return readFileSync(nodeLockFile, 'utf8') || undefined;
}

/** The state file of a holder whose processes all died (a crashed run), to be cleaned up. */
export function staleNodeHolder(): string | undefined {
  const holder = nodeLockHolder();
  return holder && existsSync(holder) && !holderAlive(holder) ? holder : undefined;
}

export function releaseNodeLock(stateFile: string): void {
  if (existsSync(nodeLockFile) && readFileSync(nodeLockFile, 'utf8') === stateFile) rmSync(nodeLockFile, { force: true });
}
