/**
 * Uninstall (`ziriz-node-agent teardown`) in the real kernel: what an agent
 * left behind when it exited (pinned node-wide links, a TC filter on a pod's
 * host veth, pinned maps) stays in force after the agent closes, and
 * removeNodeKernel takes all of it away without loading anything. The veth
 * and its namespace are made by this test.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeKernel, removeNodeKernel } from '../../node-agent/src/agent/kernel.js';
import { runProbe } from '../../node-agent/src/probe/probe.js';
import { needRoot } from '../support/gate.js';
import { TestNetns } from '../support/netns.js';

function linkId(pin: string): number {
  const info = JSON.parse(execFileSync('bpftool', ['-j', 'link', 'show', 'pinned', pin], { encoding: 'utf8' })) as { id: number };
  return info.id;
}

function linkExists(id: number): boolean {
  try {
    execFileSync('bpftool', ['link', 'show', 'id', String(id)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The ingress filters on a device ('' when there are none, or no clsact qdisc any more). */
function tcFilters(dev: string): string {
  try {
    return execFileSync('tc', ['filter', 'show', 'dev', dev, 'ingress'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

describe('kernel: teardown removes what an exited agent left, without loading anything', function () {
  this.timeout(30_000);
  const log = (): void => undefined;
  const hostEnd = `ztd${process.pid % 100000}`;
  let ns: TestNetns | undefined;
  let dir = '';
  let pinRoot = '';
  let stateFile = '';

  before(function () {
    needRoot(this);
    ns = TestNetns.create('zteardown');
    execFileSync('ip', ['link', 'add', hostEnd, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns.name]);
    dir = mkdtempSync(join(tmpdir(), 'ziriz-teardown-'));
    pinRoot = mkdtempSync('/sys/fs/bpf/ziriz-teardown-');
    stateFile = join(dir, 'tc.json');
  });

  after(() => {
    if (pinRoot) removeNodeKernel({ pinRoot, stateFile, log }); // idempotent; cleans up after a failure
    try {
      execFileSync('ip', ['link', 'del', hostEnd], { stdio: 'ignore' });
    } catch {
      // gone with the namespace
    }
    ns?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('keeps links and the TC filter after the agent closes, then removes every one of them', () => {
    const kernel = NodeKernel.open({ pinRoot, stateFile, probe: runProbe(), log });
    const ifindex = Number(readFileSync(`/sys/class/net/${hostEnd}/ifindex`, 'utf8'));
    expect([...kernel.syncTc(new Map([[ifindex, 'pod-uid']]), new Map([[ifindex, hostEnd]]))]).to.deep.equal([ifindex]);
    const pins = readdirSync(join(pinRoot, 'links'));
    expect(pins.length, 'node-wide links pinned').to.be.greaterThan(0);
    const ids = pins.map((p) => linkId(join(pinRoot, 'links', p)));
    kernel.close(); // the agent exits: enforcement stays

    expect(ids.filter(linkExists), 'links survive the agent').to.deep.equal(ids);
    expect(tcFilters(hostEnd), 'TC filter survives the agent').to.match(/ bpf .*direct-action/);

    expect(removeNodeKernel({ pinRoot, stateFile, log })).to.deep.equal({ tcFilters: 1, links: pins.length });
    expect(ids.filter(linkExists), 'links left').to.deep.equal([]);
    expect(tcFilters(hostEnd), 'TC filters left').to.equal('');
    expect(existsSync(pinRoot), 'pin root left').to.equal(false);
    expect(JSON.parse(readFileSync(stateFile, 'utf8'))).to.deep.equal([]);
  });

  it('is idempotent: a second teardown finds nothing and does not fail', () => {
    expect(removeNodeKernel({ pinRoot, stateFile, log })).to.deep.equal({ tcFilters: 0, links: 0 });
  });
});
