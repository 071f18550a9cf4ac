/**
 * `process.deny` on a kernel without BPF LSM (this machine's): the exec
 * tracepoint kills a denied program before its first instruction, by invoked
 * path or by base name (also through a symlink: the resolved file's name
 * counts), only in the protected cgroup. Real binaries, real processes.
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LsmHook, Op, Role } from '../../core/abi/enums.js';
import { encodeCallEntry, encodeIdentityValue } from '../../core/policy/kernel/codec.js';
import { identityValue } from '../../core/policy/kernel/identity.js';
import { lsmEntries } from '../../core/policy/kernel/lsm.js';
import { compile } from '../../core/policy/compile.js';
import type { Link } from '../../node-agent/src/bpf/link.js';
import { BpfObject } from '../../node-agent/src/bpf/object.js';
import { bpfObject } from '../../node-agent/src/bpf/paths.js';
import { decodeRecord, type LsmRecord } from '../../node-agent/src/bpf/records.js';
import { RingBufferReader } from '../../node-agent/src/bpf/ringbuf.js';
import { tempPinRoot, type PinRoot } from '../support/bpffs.js';
import { TestCgroup } from '../support/cgroup.js';
import { needRoot } from '../support/gate.js';
import { Processes, waitFor } from '../support/processes.js';
import { cgroupKey } from './egress-fixtures.js';

describe('kernel: process.deny enforced at exec without BPF LSM (kill before the first instruction)', function () {
  this.timeout(60_000);
  const procs = new Processes();
  let pins: PinRoot | undefined;
  const objs: BpfObject[] = [];
  const links: Link[] = [];
  let cg: TestCgroup | undefined;
  let reader: RingBufferReader | undefined;
  let dir = '';
  const records: LsmRecord[] = [];

  before(function () {
    needRoot(this);
    pins = tempPinRoot();
    dir = mkdtempSync(join(tmpdir(), 'ziriz-exec-'));
    // keying first, then the deny list, as the agent attaches them
    const keying = BpfObject.load(bpfObject('tp_sched_exec'), { pinRoot: pins.dir });
    const deny = BpfObject.load(bpfObject('tp_exec_deny'), { pinRoot: pins.dir });
    objs.push(keying, deny);
    links.push(keying.attach('ziriz_sched_exec'), deny.attach('ziriz_exec_deny'));
    cg = TestCgroup.create('execdeny');
    const set = compile([{
      apiVersion: 'ziriz.io/v1alpha1', kind: 'AgentPolicy', metadata: { name: 'no-tools', namespace: 'payments' },
      spec: { selector: { matchLabels: { app: 'a' } }, process: { deny: [{ name: 'curl' }, { path: '/usr/bin/gnutls-cli' }] } },
    }]);
    const calls = deny.map('ziriz_calls');
    for (const e of lsmEntries(set, 5).map(encodeCallEntry)) calls.set(e.key, e.value);
    deny.map('ziriz_identity').set(cgroupKey(cg.id), encodeIdentityValue(identityValue(set, { identityId: 55, policyId: 5, role: Role.AGENT })));
    reader = new RingBufferReader(deny.map('ziriz_events'), (buf, s, e) => {
      const r = decodeRecord(buf, s, e);
      if (r.kind === 'lsm') records.push(r);
    });
    reader.start();
  });

  after(() => {
    procs.killAll();
    for (const l of links) l.destroy();
    reader?.close();
    for (const o of objs) o.close();
    cg?.remove();
    pins?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  async function execIn(inCgroup: boolean, cmd: string, ...args: string[]): Promise<{ signal: NodeJS.Signals | null; stdout: string; pid: number }> {
    const prefix = inCgroup ? `echo $$ > ${cg!.path}/cgroup.procs && ` : '';
    const child = procs.start('sh', ['-c', `${prefix}exec "$0" "$@"`, cmd, ...args]);
    const fin = await procs.wait(child, 20_000);
    return { signal: fin.signal, stdout: fin.stdout, pid: child.pid ?? 0 };
  }

  // Rows: what runs in the protected cgroup, and whether it is killed.
  const rows: [string, () => string, boolean][] = [
    ['curl, denied by name', () => 'curl', true],
    ['gnutls-cli, denied by path', () => '/usr/bin/gnutls-cli', true],
    ['curl through a symlink with another name', () => {
      const link = join(dir, `innocent-${randomUUID().slice(0, 8)}`);
      symlinkSync('/usr/bin/curl', link);
      return link;
    }, true],
    ['ls, not on the list', () => 'ls', false],
  ];
  for (const [what, bin, killed] of rows) {
    it(`${what}: ${killed ? 'killed' : 'runs'}`, async () => {
      const r = await execIn(true, bin(), '--version');
      if (killed) {
        expect(r.signal).to.equal('SIGKILL');
        expect(r.stdout).to.equal('');
        expect(await waitFor(() => records.some((x) => x.hdr.pid === r.pid), 5000)).to.equal(true);
        const rec = records.find((x) => x.hdr.pid === r.pid)!;
        expect(rec.hdr.op).to.equal(Op.LSM);
        expect(rec.hook).to.equal(LsmHook.BPRM_CHECK);
        expect(rec.hdr.flags & 1).to.equal(1);
        expect(rec.hdr.identityId).to.equal(55);
      } else {
        expect(r.signal).to.equal(null);
        expect(r.stdout.length).to.be.greaterThan(0);
      }
    });
  }

  it('leaves processes outside protected cgroups alone', async () => {
    const r = await execIn(false, 'curl', '--version');
    expect(r.signal).to.equal(null);
    expect(r.stdout).to.include('curl');
  });
});
