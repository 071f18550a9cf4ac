/**
 * No window before the agent: a pod known only by its UID (the agent learns
 * it at scheduling, before the kubelet makes the cgroup) is protected from its
 * first exec. The sched_process_exec program finds the UID in the cgroup path,
 * in both cgroup drivers' spellings, and keys the pod cgroup itself; the
 * connect4 program then refuses what the policy does not allow. Loopback only.
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { mkdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { Cover, Op } from '../../core/abi/enums.js';
import { encodeStruct } from '../../core/abi/codec.js';
import { ziriz_pod_uid_key } from '../../core/abi/structs.js';
import type { Link } from '../../node-agent/src/bpf/link.js';
import { BpfObject } from '../../node-agent/src/bpf/object.js';
import { bpfObject } from '../../node-agent/src/bpf/paths.js';
import { decodeRecord, type ExecRecord } from '../../node-agent/src/bpf/records.js';
import { RingBufferReader } from '../../node-agent/src/bpf/ringbuf.js';
import { cgroupId, cgroupV2Root } from '../../node-agent/src/kernel/cgroup.js';
import { tempPinRoot, type PinRoot } from '../support/bpffs.js';
import { needRoot } from '../support/gate.js';
import { Processes, waitFor } from '../support/processes.js';
import { cgroupKey, identityValue } from './egress-fixtures.js';

const CONNECT = `
const s = require('node:net').connect({ host: '127.0.0.1', port: Number(process.argv[1]) });
s.on('connect', () => { console.log('ok'); s.destroy(); });
s.on('error', (e) => console.log(e.code));`;

describe('kernel: pods protected from their first exec, by pod UID', function () {
  this.timeout(60_000);
  const procs = new Processes();
  let pins: PinRoot | undefined;
  const objs: BpfObject[] = [];
  const links: Link[] = [];
  let reader: RingBufferReader | undefined;
  const execs: ExecRecord[] = [];
  let parent = '';
  const made: string[] = [];

  before(function () {
    needRoot(this);
    pins = tempPinRoot();
    const connect = BpfObject.load(bpfObject('cgroup_connect4'), { pinRoot: pins.dir });
    const exec = BpfObject.load(bpfObject('tp_sched_exec'), { pinRoot: pins.dir });
    objs.push(connect, exec);
    links.push(connect.attachCgroup('ziriz_connect4', cgroupV2Root()), exec.attach('ziriz_sched_exec'));
    reader = new RingBufferReader(exec.map('ziriz_events'), (buf, s, e) => {
      const r = decodeRecord(buf, s, e);
      if (r.kind === 'exec') execs.push(r);
    });
    reader.start();
    parent = join(cgroupV2Root(), `ziriz-test-kubepods-${process.pid}`);
    mkdirSync(parent);
    made.push(parent);
  });

  after(() => {
    procs.killAll();
    for (const l of links) l.destroy();
    reader?.close();
    for (const o of objs) o.close();
    for (const d of made.reverse()) rmdirSync(d);
    pins?.remove();
  });

  function mkcg(...parts: string[]): string {
    const dir = join(parent, ...parts);
    mkdirSync(dir);
    made.push(dir);
    return dir;
  }

  // Rows: cgroup driver, the pod cgroup's name for a UID.
  const drivers: [string, (uid: string) => string][] = [
    ['cgroupfs', (uid) => `pod${uid}`],
    ['systemd', (uid) => `kubepods-burstable-pod${uid.replace(/-/g, '_')}.slice`],
  ];
  for (const [driver, podDir] of drivers) {
    it(`${driver}: keys the pod cgroup at the first exec and enforces its egress policy`, async () => {
      const uid = randomUUID();
      const pod = mkcg(podDir(uid));
      const ctr = mkcg(podDir(uid), `cri-containerd-${uid.slice(0, 8)}`);
      const key = encodeStruct(ziriz_pod_uid_key, { uid: Buffer.from(uid) });
      objs[1]!.map('ziriz_pod_uids').set(key, identityValue(77, 7, Cover.EGRESS)); // egress covered, nothing allowed
      expect(objs[0]!.map('ziriz_identity').get(cgroupKey(cgroupId(pod)))).to.equal(null);

      const child = procs.start('sh', ['-c', `echo $$ > ${ctr}/cgroup.procs && exec "$0" -e "$1" 9`, process.execPath, CONNECT]);
      const fin = await procs.wait(child, 20_000);
      expect(fin.stdout.trim()).to.equal('EPERM');
      const keyed = objs[0]!.map('ziriz_identity').get(cgroupKey(cgroupId(pod)));
      expect(keyed?.readUInt32LE(0)).to.equal(77);
      expect(await waitFor(() => execs.some((e) => e.hdr.pid === child.pid), 5000)).to.equal(true);
      const e = execs.find((x) => x.hdr.pid === child.pid)!;
      expect(e.hdr.op).to.equal(Op.EXEC);
      expect(e.hdr.identityId).to.equal(77);
      expect(e.hdr.cgroupId).to.equal(cgroupId(ctr));
      expect(e.filename).to.equal('node');
    });
  }

  it('leaves cgroups of unknown pods alone', async () => {
    const uid = randomUUID();
    mkcg(`pod${uid}`);
    const ctr = mkcg(`pod${uid}`, 'ctr');
    const child = procs.start('sh', ['-c', `echo $$ > ${ctr}/cgroup.procs && exec "$0" -e "$1" 9`, process.execPath, CONNECT]);
    const fin = await procs.wait(child, 20_000);
    expect(fin.stdout.trim()).to.equal('ECONNREFUSED');
    expect(objs[0]!.map('ziriz_identity').keys()).to.have.length(2); // only the two pods keyed above
  });
});
