/**
 * freePort (hack/cluster/net.ts): ports for servers the tests start next,
 * outside the kernel's ephemeral range so an outgoing connection cannot take
 * one first, never the same twice. Binds on 127.0.0.1 only.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { freePort } from '../../../hack/cluster/net.js';

describe('freePort', () => {
  it('hands out distinct, bindable ports below the ephemeral range', async () => {
    const ephemeralLo = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    const ports: number[] = [];
    for (let i = 0; i < 30; i++) ports.push(await freePort());
    expect(new Set(ports).size).to.equal(ports.length);
    for (const p of ports) {
      expect(p).to.be.at.least(20000);
      if (ephemeralLo > 21000) expect(p).to.be.below(ephemeralLo);
    }
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(ports[0], '127.0.0.1', resolve);
    });
    await new Promise<void>((resolve) => { server.close(() => { resolve(); }); });
  });
});
