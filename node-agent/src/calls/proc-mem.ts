/**
 * Reading and rewriting a stopped process's memory through /proc/PID/mem
 * (root with ptrace access; allowed under lockdown integrity, unlike
 * bpf_probe_write_user). Only ever used while the process is stopped.
 */
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { ZirizError } from '../../../core/errors/ziriz-error.js';
import type { Patch } from './neutralize.js';

export class ProcMemError extends ZirizError {}

/**
 * Open /proc/PID/mem descriptors, kept per process (a hold is on the critical
 * path: no open/close per call). A descriptor is bound to the process it was
 * opened for, so a recycled pid cannot be written through an old one; entries
 * are dropped when a read or write fails and when the cache is full.
 */
const fds = new Map<number, number>();
const MAX_FDS = 256;

function open(pid: number): number {
  const have = fds.get(pid);
  if (have !== undefined) return have;
  let fd: number;
  try {
    fd = openSync(`/proc/${pid}/mem`, 'r+');
  } catch (e: unknown) {
    throw new ProcMemError('E_PROC_MEM', `cannot open /proc/${pid}/mem`, { cause: e });
  }
  if (fds.size >= MAX_FDS) {
    const [oldPid, oldFd] = fds.entries().next().value ?? [0, -1];
    fds.delete(oldPid);
    if (oldFd >= 0) closeSync(oldFd);
  }
  fds.set(pid, fd);
  return fd;
}

/** Forget a process (exited, or its descriptor failed). */
export function closeMem(pid: number): void {
  const fd = fds.get(pid);
  fds.delete(pid);
  if (fd !== undefined) closeSync(fd);
}

function withFd<T>(pid: number, fn: (fd: number) => T): T {
  const fd = open(pid);
  try {
    return fn(fd);
  } catch (e: unknown) {
    closeMem(pid);
    throw e;
  }
}

export function readMem(pid: number, address: bigint, length: number): Buffer {
  return withFd(pid, (fd) => {
    const buf = Buffer.alloc(length);
    const n = readSync(fd, buf, 0, length, Number(address));
    return buf.subarray(0, n);
  });
}

/** Write the patches at `address` and read them back; throws if any byte did not stick. */
export function patchMem(pid: number, address: bigint, patches: readonly Patch[]): void {
  withFd(pid, (fd) => {
    for (const p of patches) {
      const at = Number(address) + p.offset;
      const n = writeSync(fd, p.bytes, 0, p.bytes.length, at);
      const back = Buffer.alloc(p.bytes.length);
      readSync(fd, back, 0, back.length, at);
      if (n !== p.bytes.length || !back.equals(p.bytes)) throw new ProcMemError('E_PROC_MEM', `write to pid ${pid} at 0x${at.toString(16)} did not stick`);
    }
  });
}
