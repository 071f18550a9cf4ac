import { expect } from 'chai';
import { GoSymbolsError, parseGoSymbols } from '../../../node-agent/src/calls/go-symbols.js';
import { goTargets, type ProbeWants } from '../../../node-agent/src/calls/targets.js';

const HELPER_OUT = JSON.stringify({
  go: 'go1.26.8', arch: 'amd64', stripped: true,
  functions: [
    { name: 'crypto/tls.(*Conn).Write', entry: 100, returns: [150, 190] },
    { name: 'crypto/tls.(*Conn).Read', entry: 200, returns: [250, 260, 270] },
    { name: 'crypto/tls.(*Conn).Close', entry: 300, returns: [310] },
    { name: 'internal/poll.(*FD).Write', entry: 400, returns: [450] },
    { name: 'internal/poll.(*FD).Read', entry: 500, returns: [550, 560] },
    { name: 'internal/poll.(*FD).Close', entry: 600, returns: [610] },
  ],
});

describe('node-agent: Go programs (ziriz-gosym output -> probes)', () => {
  it('parses the helper output; a program that is not Go is null', () => {
    const p = parseGoSymbols(HELPER_OUT, '/x');
    expect(p?.go).to.equal('go1.26.8');
    expect(p?.stripped).to.equal(true);
    expect(p?.functions.get('crypto/tls.(*Conn).Read')?.returns).to.deep.equal([250, 260, 270]);
    expect(parseGoSymbols('{"go":""}', '/bin/sh')).to.equal(null);
  });

  it('refuses malformed output with a typed error naming the file', () => {
    for (const bad of ['', 'not json', '{}', '{"go":"go1.22","functions":[{"name":"f","entry":"12","returns":[]}]}', '{"go":"go1.22","functions":[{"name":"f","entry":1,"returns":[-0.5]}]}']) {
      expect(() => parseGoSymbols(bad, '/p')).to.throw(GoSymbolsError).with.property('path', '/p');
    }
  });

  const prog = parseGoSymbols(HELPER_OUT, '/x');
  if (!prog) throw new Error('unreachable');
  const at = (want: ProbeWants, plaintext: boolean): string[] =>
    goTargets('/proc/1/root/app', prog, want, plaintext).map((t) => `${t.program}@${String(t.offset)}`);

  it('an agent (outbound): Write entries and Close; the socket write only with plaintext probes', () => {
    expect(at({ outbound: true, inbound: false }, false)).to.deep.equal(['ziriz_ssl_go_write@100', 'ziriz_ssl_go_close@300']);
    expect(at({ outbound: true, inbound: false }, true)).to.deep.equal([
      'ziriz_ssl_go_write@100', 'ziriz_ssl_go_close@300', 'ziriz_libc_go_fd_write@400', 'ziriz_libc_go_fd_close@600',
    ]);
  });

  it('a server (inbound): Read entry and every return instruction, never a uretprobe; socket reads name the caller', () => {
    const t = goTargets('/b', prog, { outbound: false, inbound: true }, false);
    expect(t.some((x) => x.retprobe)).to.equal(false);
    expect(t.map((x) => `${x.program}@${String(x.offset)}`)).to.deep.equal([
      'ziriz_recv_go_tls_read@200', 'ziriz_recv_go_tls_read_ret@250', 'ziriz_recv_go_tls_read_ret@260', 'ziriz_recv_go_tls_read_ret@270',
      'ziriz_recv_go_tls_close@300', 'ziriz_recv_go_fd_peer@500',
    ]);
    expect(at({ outbound: false, inbound: true }, true)).to.include.members(['ziriz_recv_go_fd_read@500', 'ziriz_recv_go_fd_read_ret@550', 'ziriz_recv_go_fd_read_ret@560', 'ziriz_recv_go_fd_close@600']);
    expect(at({ outbound: false, inbound: true }, true)).to.not.include('ziriz_recv_go_fd_peer@500');
  });

  it('a program without TLS gets only what it links', () => {
    const noTls = parseGoSymbols(JSON.stringify({ go: 'go1.24', arch: 'arm64', functions: [{ name: 'internal/poll.(*FD).Write', entry: 8, returns: [12] }] }), '/y');
    if (!noTls) throw new Error('unreachable');
    expect(goTargets('/y', noTls, { outbound: true, inbound: false }, true).map((t) => t.program)).to.deep.equal(['ziriz_libc_go_fd_write']);
  });
});
