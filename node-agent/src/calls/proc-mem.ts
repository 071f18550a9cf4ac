/**
 * Reading and rewriting a stopped process's memory through /proc/PID/mem
 * (root with ptrace access; allowed under lockdown integrity, unlike
 * bpf_probe_write_user). Only ever used while the process is stopped.
 */
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { ZirizError } from '../../../core/errors/ziriz-error.js';
import type { Patch } from './neutralize.js';

export class ProcMemError extends ZirizError {}

function open(pid: number, flags: 'r' | 'r+'): number {
  try {
    return openSync(`/proc/${pid}/mem`, flags);
  } catch (e: unknown) {
    throw new ProcMemError('E_PROC_MEM', `cannot open /proc/${pid}/mem`, { cause: e });
  }
}

export function readMem(pid: number, address: bigint, length: number): Buffer {
  const fd = open(pid, 'r');
  try {
    const buf = Buffer.alloc(length);
    const n = readSync(fd, buf, 0, length, Number(address));
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** Write the patches at `address` and read them back; throws if any byte did not stick. */
export function patchMem(pid: number, address: bigint, patches: readonly Patch[]): void {
  const fd = open(pid, 'r+');
  try {
    for (const p of patches) {
      const at = Number(address) + p.offset;
      const n = writeSync(fd, p.bytes, 0, p.bytes.length, at);
      const back = Buffer.alloc(p.bytes.length);
      readSync(fd, back, 0, back.length, at);
      if (n !== p.bytes.length || !back.equals(p.bytes)) throw new ProcMemError('E_PROC_MEM', `write to pid ${pid} at 0x${at.toString(16)} did not stick`);
    }
  } finally {
    closeSync(fd);
  }
}
