/**
 * Is a held thread stopped, late, or escaped? A thread still on its way to
 * the probe's stop (SIGSTOP pending: a slow or emulated CPU, an exec
 * finishing) is waited for; one running without a pending stop after the
 * grace time was resumed by someone else. The decision is pure; the last
 * test reads a real stopped and a real running process.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { heldThreadState, holdEscaped, holdLook, stopPending } from '../../../node-agent/src/calls/hold-state.js';

describe('node-agent: hold state (stopped, late or escaped)', () => {
  it('stopped or gone: done at once', () => {
    for (const s of ['T', 'Z', 'X', null]) expect(holdLook(s, false, 0)).to.equal('stopped');
  });

  it('running within the grace time: wait', () => {
    expect(holdLook('R', false, 5)).to.equal('wait');
  });

  it('running after the grace time with its SIGSTOP pending: late, waited for up to the pending limit', () => {
    expect(holdLook('R', true, 500)).to.equal('wait');
    expect(holdLook('D', true, 1999)).to.equal('wait');
    expect(holdLook('R', true, 2000)).to.equal('escaped');
  });

  it('running after the grace time without a pending stop: escaped (a SIGCONT resumed it, or discarded the stop)', () => {
    expect(holdLook('R', false, 20)).to.equal('escaped');
    expect(holdLook('S', false, 100)).to.equal('escaped');
  });

  it('reads a real stopped process as stopped and a real running one as escaped; neither has a stop pending', async () => {
    const p = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      const pid = p.pid ?? 0;
      expect(holdEscaped(heldThreadState(pid, pid, 5)), 'sleeping, never stopped').to.equal(true);
      process.kill(pid, 'SIGSTOP');
      for (let i = 0; i < 100 && heldThreadState(pid, pid, 0) !== 'T'; i++) await new Promise((r) => setTimeout(r, 10));
      expect(heldThreadState(pid, pid)).to.equal('T');
      expect(stopPending(pid, pid)).to.equal(false);
    } finally {
      p.kill('SIGKILL');
    }
  });
});
