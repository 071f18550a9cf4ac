/**
 * The stdio a pod was given from outside, noted by the agent for processes
 * older than it (node-agent/src/agent/outside-streams.ts): which inodes.
 */
import { expect } from 'chai';
import { outsideInodes, streamInode, type ProcFacts } from '../../../node-agent/src/agent/outside-streams.js';

const AGENT_START = 1000;

function proc(pid: number, ppid: number, startTicks: number, stdio: readonly (string | undefined)[]): ProcFacts {
  return { pid, ppid, startTicks, stdio };
}

describe('outside streams: the stdio a pod was given from outside', () => {
  it('reads pipe and socket inodes from fd links; anything else is not a stream', () => {
    expect(streamInode('pipe:[4026532]')).to.equal(4026532n);
    expect(streamInode('socket:[77]')).to.equal(77n);
    expect(streamInode('/dev/null')).to.equal(null);
    expect(streamInode('anon_inode:[eventfd]')).to.equal(null);
    expect(streamInode('pipe:[12x]')).to.equal(null);
    expect(streamInode('/tmp/pipe:[12]')).to.equal(null);
  });

  it('notes the stdio of a process whose parent is outside the pod (the entrypoint the runtime started)', () => {
    const procs = [proc(10, 1, 500, ['/dev/null', 'pipe:[100]', 'pipe:[101]'])];
    expect(outsideInodes(procs, AGENT_START).sort()).to.deep.equal([100n, 101n]);
  });

  it('leaves the pipes a process of the pod gave its child (a stdio server) to be judged', () => {
    const procs = [
      proc(10, 1, 500, ['/dev/null', 'pipe:[100]', 'pipe:[101]']),
      proc(11, 10, 600, ['pipe:[200]', 'pipe:[201]', 'pipe:[101]']),
    ];
    expect(outsideInodes(procs, AGENT_START).sort()).to.deep.equal([100n, 101n]);
  });

  it('leaves a process started after the agent to the kernel, whoever its parent is (no re-parenting trick)', () => {
    // An orphan re-parented outside the pod (hostPID) after the agent started: its pipes stay judged.
    const procs = [proc(10, 1, 500, ['/dev/null', 'pipe:[100]', 'pipe:[100]']), proc(12, 1, 1500, ['pipe:[300]', 'pipe:[301]', 'pipe:[301]'])];
    expect(outsideInodes(procs, AGENT_START)).to.deep.equal([100n]);
  });

  it('a closed fd or a process with no streams notes nothing', () => {
    expect(outsideInodes([proc(10, 1, 500, [undefined, '/dev/pts/0', '/dev/null'])], AGENT_START)).to.deep.equal([]);
    expect(outsideInodes([], AGENT_START)).to.deep.equal([]);
  });
});
