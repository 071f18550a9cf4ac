import { expect } from 'chai';
import { PodSights } from '../../../node-agent/src/agent/sights.js';
import type { PodPlan } from '../../../node-agent/src/agent/desired.js';
import { stacksOf, type ProcessSight } from '../../../node-agent/src/calls/sight.js';
import { sightNote } from '../../../node-agent/src/report/note.js';

describe('what the pod condition says ziriz sees of each program (issue 15, item 7)', () => {
  it('names the stacks the attached probes read, each once, closes and frees aside', () => {
    expect(stacksOf(['ziriz_ssl_write', 'ziriz_ssl_write_ex', 'ziriz_ssl_free', 'ziriz_libc_write', 'ziriz_libc_writev', 'ziriz_libc_close'])).to.deep.equal(['OpenSSL', 'plaintext (libc)']);
    expect(stacksOf(['ziriz_ssl_go_write', 'ziriz_ssl_go_close', 'ziriz_libc_go_fd_write', 'ziriz_recv_go_tls_read_ret'])).to.deep.equal(['Go crypto/tls', 'plaintext (Go)']);
    expect(stacksOf(['ziriz_recv_ssl_read_ex_ret', 'ziriz_gnutls_send'])).to.deep.equal(['OpenSSL', 'GnuTLS']);
    expect(stacksOf(['ziriz_libc_close', 'ziriz_recv_sock_read'])).to.deep.equal([]);
  });

  it('lists seen and unseen programs per container, and what follows for the unseen under each visibility', () => {
    const app = { container: 'app', processes: [{ exe: 'node', seen: ['OpenSSL', 'plaintext (libc)'] }, { exe: 'agent-rs', blind: 'rustls' }, { exe: 'node', seen: ['OpenSSL'] }] as ProcessSight[] };
    const side = { container: 'sidecar', processes: [{ exe: 'sh', seen: [] }, { exe: 'tool', blind: 'static' }] as ProcessSight[] };
    const refused = sightNote([app, side], false);
    expect(refused).to.equal('calls seen in app: node (OpenSSL, plaintext (libc)); calls NOT seen in app: agent-rs (a program with its own TLS stack (rustls), which ziriz does not probe); '
      + 'sidecar: tool (a statically linked program ziriz has no probe for): their TCP connects are refused (spec.visibility: EgressOnly would accept egress-only protection)');
    expect(sightNote([app], true)).to.match(/: egress only \(spec\.visibility: EgressOnly\); a protected server judges their calls by its inbound rules$/);
    expect(sightNote([], false)).to.equal('');
    expect(sightNote([{ container: 'c', processes: [{ exe: 'sh', seen: [] }] }], false)).to.equal('');
  });

  it('remembers programs since they were first seen (no flapping as processes come and go), per pod, until the pod goes; the sandbox is not listed', () => {
    const plan = {
      needs: ['tls-uprobes'],
      facts: { uid: 'u1', containerNames: { ['a'.repeat(64)]: 'app', ['b'.repeat(64)]: 'tools' } },
      resolution: { containers: [{ path: '/cg/app', id: 1n, containerId: 'a'.repeat(64) }, { path: '/cg/other', id: 2n, containerId: 'b'.repeat(64) }, { path: '/cg/sandbox', id: 3n, containerId: 'c'.repeat(64) }] },
      set: { visibility: 'Plaintext' },
    } as unknown as PodPlan;
    const sights = new PodSights();
    const now: Record<string, number[]> = { '/cg/app': [10, 11], '/cg/other': [12], '/cg/sandbox': [13] };
    const procs: Record<number, ProcessSight> = { 10: { exe: 'node', seen: ['OpenSSL'] }, 11: { exe: 'python3', seen: ['OpenSSL'] }, 12: { exe: 'curl-static', blind: 'static' }, 13: { exe: 'pause', blind: 'static' } };
    const first = sights.note(plan, (pid) => procs[pid], (dir) => now[dir] ?? []);
    expect(first).to.include('app: node (OpenSSL), python3 (OpenSSL)').and.include('tools: curl-static');
    expect(first, 'the sandbox container is not the pod\'s').to.not.include('pause');
    now['/cg/app'] = [10]; // python3 exited
    expect(sights.note(plan, (pid) => procs[pid], (dir) => now[dir] ?? [])).to.equal(first);
    sights.retain(new Set());
    now['/cg/other'] = [];
    expect(sights.note(plan, (pid) => procs[pid], (dir) => now[dir] ?? [])).to.equal('calls seen in app: node (OpenSSL)');
    expect(sights.note({ ...plan, needs: ['egress-cgroup'] } as unknown as PodPlan, (pid) => procs[pid], (dir) => now[dir] ?? [])).to.equal('');
  });
});
