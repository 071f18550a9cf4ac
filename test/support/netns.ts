/**
 * Network namespaces and veth pairs created by a test (ip-route2), with
 * addresses that exist only inside them. Cleaned up even after failures.
 */
import { execFileSync } from 'node:child_process';

function ip(args: readonly string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export class TestNetns {
  private constructor(readonly name: string) {}

  static create(name: string): TestNetns {
    const full = `${name}-${process.pid}`;
    ip(['netns', 'add', full]);
    const ns = new TestNetns(full);
    ns.exec(['ip', 'link', 'set', 'lo', 'up']);
    return ns;
  }

  get path(): string {
    return `/run/netns/${this.name}`;
  }

  /** Run a command inside the namespace (synchronously). */
  exec(cmd: readonly string[]): string {
    return execFileSync('ip', ['netns', 'exec', this.name, ...cmd], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  }

  /** argv prefix to start a long-running process inside the namespace. */
  prefix(): string[] {
    return ['netns', 'exec', this.name];
  }

  remove(): void {
    try {
      ip(['netns', 'del', this.name]);
    } catch {
      // already gone
    }
  }
}

/**
 * A veth pair between two namespaces: `a` end in nsA with addrA, `b` end in nsB
 * with addrB (CIDR strings such as 10.250.7.2/24).
 */
export function vethPair(a: { ns: TestNetns; name: string; addrs: string[] }, b: { ns: TestNetns; name: string; addrs: string[] }): void {
  ip(['link', 'add', a.name, 'netns', a.ns.name, 'type', 'veth', 'peer', 'name', b.name, 'netns', b.ns.name]);
  for (const end of [a, b]) {
    for (const addr of end.addrs) end.ns.exec(['ip', 'addr', 'add', addr, 'dev', end.name]);
    end.ns.exec(['ip', 'link', 'set', end.name, 'up']);
  }
}
