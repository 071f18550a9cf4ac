import { expect } from 'chai';
import { parseMounts } from '../../../node-agent/src/kernel/mounts.js';
import { cgroupV2Root } from '../../../node-agent/src/kernel/cgroup.js';
import { parseLockdown } from '../../../node-agent/src/kernel/security.js';

describe('kernel file parsers', () => {
  it('parses /proc/self/mounts, decoding octal escapes', () => {
    const m = parseMounts('cgroup2 /sys/fs/cgroup/unified cgroup2 rw 0 0\nbpf /sys/fs/bpf bpf rw 0 0\nx /mnt/a\\040b ext4 rw 0 0\n');
    expect(m.map((e) => e.target)).to.deep.equal(['/sys/fs/cgroup/unified', '/sys/fs/bpf', '/mnt/a b']);
  });

  // Rows: pure v2, hybrid, nothing.
  it('finds the cgroup v2 root in pure and hybrid layouts', () => {
    expect(cgroupV2Root(parseMounts('cgroup2 /sys/fs/cgroup cgroup2 rw 0 0'))).to.equal('/sys/fs/cgroup');
    expect(cgroupV2Root(parseMounts('tmpfs /sys/fs/cgroup tmpfs rw 0 0\ncgroup2 /sys/fs/cgroup/unified cgroup2 rw 0 0'))).to.equal('/sys/fs/cgroup/unified');
    expect(() => cgroupV2Root(parseMounts('tmpfs /sys/fs/cgroup tmpfs rw 0 0'))).to.throw(/no cgroup2/);
  });

  it('reads the selected lockdown mode', () => {
    expect(parseLockdown('none [integrity] confidentiality\n')).to.equal('integrity');
    expect(parseLockdown('[none] integrity confidentiality')).to.equal('none');
    expect(parseLockdown('garbage')).to.equal(null);
  });
});
