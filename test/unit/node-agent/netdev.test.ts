import { expect } from 'chai';
import { hostPeers, type HostLink } from '../../../node-agent/src/kernel/netdev.js';

const host = new Map<number, HostLink>([
  [1, { ifindex: 1, name: 'lo', peer: 0 }],
  [2, { ifindex: 2, name: 'eth0', peer: 0 }],
  [15, { ifindex: 15, name: 'veth15', peer: 3 }],
  [16, { ifindex: 16, name: 'veth16', peer: 3 }], // another pod's veth, whose eth0 also has index 3
]);

describe('node agent: host peers of pod interfaces (pure)', () => {
  it('takes the host veth that names the pod interface back', () => {
    expect(hostPeers([{ ifindex: 3, name: 'eth0', link: 15, otherNs: true }], host).map((l) => l.name)).to.deep.equal(['veth15']);
  });

  it('ignores interfaces without a peer in another namespace, and host indexes that do not point back', () => {
    expect(hostPeers([{ ifindex: 1, name: 'lo', link: 0, otherNs: false }], host)).to.deep.equal([]);
    // A pod-local veth pair (peer in the same namespace): index 2 exists on the host but is eth0.
    expect(hostPeers([{ ifindex: 4, name: 'v-a', link: 2, otherNs: false }], host)).to.deep.equal([]);
    // Peer index exists on the host but names another interface back.
    expect(hostPeers([{ ifindex: 7, name: 'eth1', link: 16, otherNs: true }], host)).to.deep.equal([]);
    expect(hostPeers([{ ifindex: 3, name: 'eth0', link: 99, otherNs: true }], host)).to.deep.equal([]);
  });
});
