import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IdAllocator } from '../../../node-agent/src/agent/ids.js';
import { planSync } from '../../../node-agent/src/agent/map-sync.js';
import { parseAgentConfig, AgentConfigError } from '../../../node-agent/src/agent/config.js';
import { containerIdOf, findKubepodsRoots, findPodCgroup, podCgroupNames, podDirIn, podDirIndex } from '../../../node-agent/src/kernel/pod-cgroups.js';

describe('node agent: ids', () => {
  it('gives the same number for the same key (across allocators: restarts find the same ids)', () => {
    expect(new IdAllocator().id('sha256:aa')).to.equal(new IdAllocator().id('sha256:aa'));
  });

  it('moves a colliding key to a free number and frees numbers of retired keys', () => {
    const a = new IdAllocator();
    const ids = Array.from({ length: 2000 }, (_, i) => a.id(`k${i}`));
    expect(new Set(ids).size).to.equal(2000);
    a.retain(new Set(['k1']));
    expect(a.keyOf(ids[0]!)).to.equal(undefined);
    expect(a.keyOf(ids[1]!)).to.equal('k1');
  });
});

describe('node agent: map sync plan', () => {
  const e = (k: string, v: string): { key: Buffer; value: Buffer } => ({ key: Buffer.from(k, 'hex'), value: Buffer.from(v, 'hex') });
  it('writes only what changed, removes what is extra, keeps what the caller says to keep', () => {
    const current = new Map([['01', Buffer.from('aa', 'hex')], ['02', Buffer.from('bb', 'hex')], ['03', Buffer.from('cc', 'hex')], ['04', Buffer.from('dd', 'hex')]]);
    const desired = new Map([['01', e('01', 'aa')], ['02', e('02', 'b0')], ['05', e('05', 'ee')]]);
    const plan = planSync(current, desired, (k) => k.toString('hex') === '04');
    expect(plan.upserts.map((x) => x.key.toString('hex'))).to.deep.equal(['02', '05']);
    expect(plan.removals.map((k) => k.toString('hex'))).to.deep.equal(['03']);
  });
});

describe('node agent: pod cgroups', () => {
  let root = '';
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'ziriz-cg-'));
  });
  after(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('finds pods under kubepods in both drivers spellings, at any QoS level', () => {
    const uid1 = '11111111-2222-3333-4444-555555555555';
    const uid2 = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
    mkdirSync(join(root, 'ziriz/kubepods/burstable', `pod${uid1}`, 'cri-containerd-' + 'a'.repeat(64) + '.scope'), { recursive: true });
    mkdirSync(join(root, 'kubepods.slice/kubepods-besteffort.slice', `kubepods-besteffort-pod${uid2.replace(/-/g, '_')}.slice`), { recursive: true });
    const roots = findKubepodsRoots(root);
    expect(roots.map((r) => r.slice(root.length)).sort()).to.deep.equal(['/kubepods.slice', '/ziriz/kubepods']);
    expect(findPodCgroup(roots, uid1)?.path).to.equal(join(root, 'ziriz/kubepods/burstable', `pod${uid1}`));
    expect(findPodCgroup(roots, uid2)?.path).to.match(/kubepods-besteffort-podaaaaaaaa_bbbb/);
    expect(findPodCgroup(roots, '99999999-2222-3333-4444-555555555555')).to.equal(null);
    expect(podCgroupNames(uid1)).to.include(`kubepods-burstable-pod${uid1.replace(/-/g, '_')}.slice`);
    expect(containerIdOf(`cri-containerd-${'a'.repeat(64)}.scope`)).to.equal('a'.repeat(64));
  });

  it('indexes every pod directory once, Guaranteed pods (no QoS level) included, QoS and container directories not', () => {
    const g1 = '22222222-2222-3333-4444-555555555555';
    const g2 = 'bbbbbbbb-bbbb-cccc-dddd-eeeeeeeeeeee';
    mkdirSync(join(root, 'ziriz/kubepods', `pod${g1}`, 'c1'), { recursive: true });
    mkdirSync(join(root, 'kubepods.slice', `kubepods-pod${g2.replace(/-/g, '_')}.slice`), { recursive: true });
    const index = podDirIndex(findKubepodsRoots(root));
    expect(podDirIn(index, g1)).to.equal(join(root, 'ziriz/kubepods', `pod${g1}`));
    expect(podDirIn(index, g2)).to.equal(join(root, 'kubepods.slice', `kubepods-pod${g2.replace(/-/g, '_')}.slice`));
    expect([...index.keys()].some((k) => k === 'burstable' || k === 'kubepods-besteffort.slice' || k === 'c1')).to.equal(false);
    expect(findPodCgroup(findKubepodsRoots(root), g1)?.path).to.equal(podDirIn(index, g1));
  });
});

describe('node agent: configuration', () => {
  it('needs the node name, and rejects a ring size that is not a power of two', () => {
    expect(() => parseAgentConfig({})).to.throw(AgentConfigError, /NODE_NAME/);
    expect(() => parseAgentConfig({ NODE_NAME: 'n1', ZIRIZ_RING_BYTES: '1000000' })).to.throw(AgentConfigError, /power of two/);
    expect(parseAgentConfig({ NODE_NAME: 'n1' })).to.include({ node: 'n1', pinRoot: '/sys/fs/bpf/ziriz', metricsPort: 9464, auditOnly: false });
  });

  it('ZIRIZ_MODE=audit turns on node-wide audit; other values fail at start-up', () => {
    expect(parseAgentConfig({ NODE_NAME: 'n1', ZIRIZ_MODE: 'audit' }).auditOnly).to.equal(true);
    expect(parseAgentConfig({ NODE_NAME: 'n1', ZIRIZ_MODE: 'enforce' }).auditOnly).to.equal(false);
    expect(() => parseAgentConfig({ NODE_NAME: 'n1', ZIRIZ_MODE: 'Audit' })).to.throw(AgentConfigError, /ZIRIZ_MODE/);
  });

  it('ZIRIZ_NICE: -10 unless set, within -20..19', () => {
    expect(parseAgentConfig({ NODE_NAME: 'n1' }).nice).to.equal(-10);
    expect(parseAgentConfig({ NODE_NAME: 'n1', ZIRIZ_NICE: '0' }).nice).to.equal(0);
    expect(() => parseAgentConfig({ NODE_NAME: 'n1', ZIRIZ_NICE: '-21' })).to.throw(AgentConfigError, /ZIRIZ_NICE/);
    expect(() => parseAgentConfig({ NODE_NAME: 'n1', ZIRIZ_NICE: 'high' })).to.throw(AgentConfigError, /ZIRIZ_NICE/);
  });

  it('ZIRIZ_RT_PRIORITY: 1 unless set, 0 turns it off, within 0..99', () => {
    expect(parseAgentConfig({ NODE_NAME: 'n1' }).rtPriority).to.equal(1);
    expect(parseAgentConfig({ NODE_NAME: 'n1', ZIRIZ_RT_PRIORITY: '0' }).rtPriority).to.equal(0);
    expect(parseAgentConfig({ NODE_NAME: 'n1', ZIRIZ_RT_PRIORITY: '99' }).rtPriority).to.equal(99);
    expect(() => parseAgentConfig({ NODE_NAME: 'n1', ZIRIZ_RT_PRIORITY: '100' })).to.throw(AgentConfigError, /ZIRIZ_RT_PRIORITY/);
    expect(() => parseAgentConfig({ NODE_NAME: 'n1', ZIRIZ_RT_PRIORITY: '-1' })).to.throw(AgentConfigError, /ZIRIZ_RT_PRIORITY/);
  });
});
