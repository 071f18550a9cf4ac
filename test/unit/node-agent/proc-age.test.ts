import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { oldestAgeSeconds, processAgeSeconds } from '../../../node-agent/src/kernel/proc-age.js';

describe('node agent: process age from /proc', () => {
  it('gives this process about its uptime, a younger child less, and null for a pid that is gone', async () => {
    await new Promise((r) => setTimeout(r, 300));
    const child = spawn('sleep', ['5'], { stdio: 'ignore' });
    try {
      const own = processAgeSeconds(process.pid);
      const young = processAgeSeconds(child.pid ?? 0);
      expect(own).to.be.a('number');
      expect(own ?? 0).to.be.closeTo(process.uptime(), 0.25);
      expect(young ?? Infinity).to.be.lessThan((own ?? 0) - 0.2);
      expect(processAgeSeconds(2 ** 22 + 1)).to.equal(null);
      expect(oldestAgeSeconds([child.pid ?? 0, process.pid, 2 ** 22 + 1])).to.equal(processAgeSeconds(process.pid));
      expect(oldestAgeSeconds([2 ** 22 + 1])).to.equal(null);
    } finally {
      child.kill();
    }
  });
});
