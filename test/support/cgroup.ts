/** A scratch cgroup v2 directory standing in for a pod cgroup; removed on cleanup. */
import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cgroupId, cgroupV2Root } from '../../node-agent/src/kernel/cgroup.js';

export class TestCgroup {
  private constructor(
    readonly path: string,
    readonly id: bigint,
  ) {}

  static create(name: string): TestCgroup {
    const path = join(cgroupV2Root(), `ziriz-test-${name}-${process.pid}`);
    mkdirSync(path);
    return new TestCgroup(path, cgroupId(path));
  }

  /** A child cgroup (e.g. a container inside the pod cgroup). */
  child(name: string): TestCgroup {
    const path = join(this.path, name);
    mkdirSync(path);
    return new TestCgroup(path, cgroupId(path));
  }

  addPid(pid: number): void {
    writeFileSync(join(this.path, 'cgroup.procs'), `${pid}\n`);
  }

  pids(): number[] {
    return readFileSync(join(this.path, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
  }

  /** rmdir (the caller has ended its processes first); children first. */
  remove(children: readonly TestCgroup[] = []): void {
    for (const c of children) rmdirSync(c.path);
    rmdirSync(this.path);
  }
}

/** Shell prefix that moves itself into a cgroup, then execs the command (pid unchanged). */
export function inCgroupArgs(cg: TestCgroup, cmd: string, args: readonly string[]): string[] {
  const quoted = [cmd, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return ['-c', `echo $$ > '${join(cg.path, 'cgroup.procs')}' && exec ${quoted}`];
}
