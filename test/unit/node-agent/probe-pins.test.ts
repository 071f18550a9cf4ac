import { expect } from 'chai';
import { parseProbePin } from '../../../node-agent/src/calls/probes.js';

describe('per-process probe pins: names (pure)', () => {
  it('reads pid and start time from <pid>-<start>-<n>', () => {
    expect(parseProbePin('4242-987654-3')).to.deep.equal({ pid: 4242, start: '987654' });
  });

  it('ignores names it did not write (no start time, extra parts, other files)', () => {
    for (const name of ['4242--1', '4242-987654', '4242-98-1-2', 'ziriz_connect4-1-2', 'x-1-2', '']) {
      expect(parseProbePin(name), name).to.equal(null);
    }
  });
});
