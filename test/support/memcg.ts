/**
 * A memory cgroup made by a test, as the kubelet would give a container: the
 * v1 memory controller where the host has one (hybrid hosts: kernel memory is
 * charged there too), else cgroup v2. Reports peak and current usage (kernel
 * memory included: the BPF verifier's working memory is charged to the loader)
 * and whether the limit was ever hit or an OOM kill happened.
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cgroupV2Root } from '../../node-agent/src/kernel/cgroup.js';

export interface MemoryCgroup {
  readonly dir: string;
  /** Write a pid here to move it in (cgroup.procs). */
  readonly procsFile: string;
  readonly limitBytes: number;
  /** The kernel's peak (v1 max_usage, v2 memory.peak from 5.19), else the highest sample() seen. */
  peakBytes(): number;
  currentBytes(): number;
  /** Note the current usage (for kernels without memory.peak: call it often while the work runs). */
  sample(): void;
  /** Times the limit was hit (v1 failcnt, v2 events max), and OOM kills. */
  pressure(): { limitHits: number; oomKills: number };
  remove(): void;
}

const V1 = '/sys/fs/cgroup/memory';

function num(file: string): number {
  return Number(readFileSync(file, 'utf8').trim());
}

function field(file: string, key: string): number {
  const line = readFileSync(file, 'utf8').split('\n').find((l) => l.startsWith(`${key} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

export function createMemoryCgroup(name: string, limitBytes: number): MemoryCgroup {
  if (existsSync(join(V1, 'memory.limit_in_bytes'))) {
    const dir = join(V1, name);
    mkdirSync(dir);
    writeFileSync(join(dir, 'memory.limit_in_bytes'), String(limitBytes));
    return {
      dir, procsFile: join(dir, 'cgroup.procs'), limitBytes,
      peakBytes: () => num(join(dir, 'memory.max_usage_in_bytes')),
      currentBytes: () => num(join(dir, 'memory.usage_in_bytes')),
      sample: () => undefined,
      pressure: () => ({ limitHits: num(join(dir, 'memory.failcnt')), oomKills: field(join(dir, 'memory.oom_control'), 'oom_kill') }),
      remove: () => { rmdirSync(dir); },
    };
  }
  const root = cgroupV2Root();
  const dir = join(root, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'memory.max'), String(limitBytes));
  const hasPeak = existsSync(join(dir, 'memory.peak'));
  let sampled = 0;
  return {
    dir, procsFile: join(dir, 'cgroup.procs'), limitBytes,
    peakBytes: () => (hasPeak ? num(join(dir, 'memory.peak')) : sampled),
    currentBytes: () => num(join(dir, 'memory.current')),
    sample: () => { sampled = Math.max(sampled, num(join(dir, 'memory.current'))); },
    pressure: () => ({ limitHits: field(join(dir, 'memory.events'), 'max'), oomKills: field(join(dir, 'memory.events'), 'oom_kill') }),
    remove: () => { rmdirSync(dir); },
  };
}

/**
 * `/bin/sh` arguments that move the shell into the cgroup whose procs file is
 * `procsFile`, then exec `argv` (same pid): every byte the program uses,
 * from its first, is charged there.
 */
export function inCgroupArgv(procsFile: string, argv: readonly string[]): string[] {
  return ['-c', 'echo $$ > "$0" && exec "$@"', procsFile, ...argv];
}

/** Kubernetes quantity ("512Mi", "1Gi", "300M") in bytes. */
export function quantityBytes(q: string): number {
  const m = /^(\d+)(Ki|Mi|Gi|K|M|G)?$/.exec(q.trim());
  if (!m) throw new Error(`not a memory quantity: ${q}`);
  const unit = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, K: 1e3, M: 1e6, G: 1e9 }[m[2] ?? ''] ?? 1;
  return Number(m[1]) * unit;
}
