/** A scratch cgroup v2 directory standing in for a pod cgroup; removed on cleanup. */
import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cgroupId, cgroupV2Root } from '../../node-agent/src/kernel/cgroup.js';

let created = 0;

export class TestCgroup {
  private constructor(
    readonly path: string,
    readonly id: bigint,
  ) {}

  static create(name: string): TestCgroup {
    // Unique per call: a second rig in the same process never meets the first one's cgroup.
    const path = join(cgroupV2Root(), `ziriz-test-${name}-${process.pid}-${++created}`);
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

  /** Wait (bounded) until no process is left in this cgroup: killed processes take a moment to exit. */
  async drained(timeoutMs = 5_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      try {
        // Exiting tasks leave cgroup.procs before they release the cgroup: "populated 0" is when rmdir can work.
        if (this.pids().length === 0 && !/^populated 1$/m.test(readFileSync(join(this.path, 'cgroup.events'), 'utf8'))) return true;
      } catch {
        return true; // gone already
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    return false;
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
