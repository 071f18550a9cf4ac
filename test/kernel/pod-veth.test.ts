/**
 * Finding a pod's host veth through one of its processes, with rtnetlink
 * inside the process's network namespace, on real namespaces and veths made
 * by this test (no addresses, no traffic). A process that has joined the
 * namespace but not mounted its own /sys (runc's init) already shows the
 * veth; a process in the host's namespace shows none.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { BpfError } from '../../node-agent/src/bpf/errors.js';
import { hostLinkIndex, hostVethsOfPid, hostVethsOfPod, netnsLinks } from '../../node-agent/src/kernel/netdev.js';
import { needRoot } from '../support/gate.js';
import { TestNetns } from '../support/netns.js';
import { Processes, waitFor } from '../support/processes.js';

describe('kernel: pod host veth from a pod process (real netns and veth)', function () {
  this.timeout(20_000);
  const procs = new Processes();
  let ns: TestNetns | undefined;
  const hostEnd = `zvh${process.pid % 100000}`;
  let mounted = 0; // in the netns with its own sysfs (ip netns exec remounts /sys)
  let joinedOnly = 0; // in the netns, /sys still the host's (like runc's init)
  let hostProc = 0; // in the host's namespace

  before(async function () {
    needRoot(this);
    ns = TestNetns.create('zveth');
    execFileSync('ip', ['link', 'add', hostEnd, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns.name]);
    mounted = procs.start('ip', [...ns.prefix(), 'sleep', '30']).pid ?? 0;
    joinedOnly = procs.start('nsenter', [`--net=${ns.path}`, 'sleep', '30']).pid ?? 0;
    hostProc = procs.start('sleep', ['30']).pid ?? 0;
    const commOf = (pid: number): string => { try { return readFileSync(`/proc/${pid}/comm`, 'utf8').trim(); } catch { return ''; } };
    // Both children have exec'd sleep (ip/nsenter replaced themselves).
    expect(await waitFor(() => commOf(mounted) === 'sleep' && commOf(joinedOnly) === 'sleep', 5000)).to.equal(true);
  });

  after(() => {
    procs.killAll();
    try {
      execFileSync('ip', ['link', 'del', hostEnd], { stdio: 'ignore' });
    } catch {
      // gone with the namespace
    }
    ns?.remove();
  });

  it('names the host end of the veth through a process in the pod namespace, with or without its own /sys', () => {
    const links = hostLinkIndex();
    const ifindex = Number(readFileSync(`/sys/class/net/${hostEnd}/ifindex`, 'utf8'));
    for (const pid of [mounted, joinedOnly]) {
      expect(hostVethsOfPid(pid, links), `pid ${pid}`).to.deep.equal([{ ifindex, name: hostEnd, peer: links.get(ifindex)?.peer }]);
    }
    const inPod = netnsLinks(`/proc/${mounted}/ns/net`);
    expect(inPod.find((l) => l.name === 'eth0')).to.include({ link: ifindex, otherNs: true });
    expect(inPod.find((l) => l.name === 'lo')).to.include({ link: 0, otherNs: false });
  });

  it('names nothing through a process in the host namespace or a pid that is gone', () => {
    const links = hostLinkIndex();
    expect(hostVethsOfPid(hostProc, links)).to.deep.equal([]);
    expect(hostVethsOfPid(process.pid, links)).to.deep.equal([]);
    expect(hostVethsOfPid(2 ** 22 + 1, links)).to.deep.equal([]);
  });

  it('goes past processes that tell nothing to one that does, within its tries', () => {
    const links = hostLinkIndex();
    expect(hostVethsOfPod([hostProc, process.pid, joinedOnly], links).map((l) => l.name)).to.deep.equal([hostEnd]);
    expect(hostVethsOfPod([hostProc, process.pid, joinedOnly], links, 2)).to.deep.equal([]);
  });

  it('refuses a namespace path that is not one, with a typed error', () => {
    let err: unknown;
    try {
      netnsLinks('/proc/self/status');
    } catch (e: unknown) {
      err = e;
    }
    expect(err).to.be.instanceOf(BpfError);
    expect(err).to.include({ op: 'netns', errnoName: 'EINVAL' });
  });
});
