import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasInterpreter, Visibility } from '../../../node-agent/src/calls/visibility.js';

/** A minimal 64-bit little-endian ELF head with program headers of the given types. */
function elf(types: readonly number[]): Buffer {
  const b = Buffer.alloc(64 + 56 * types.length);
  b.writeUInt32BE(0x7f454c46, 0);
  b[4] = 2;
  b[5] = 1;
  b.writeBigUInt64LE(64n, 32);
  b.writeUInt16LE(56, 54);
  b.writeUInt16LE(types.length, 56);
  types.forEach((t, i) => b.writeUInt32LE(t, 64 + i * 56));
  return b;
}

describe('node-agent: which programs ziriz cannot see (visibility gate)', () => {
  let dir = '';
  before(() => { dir = mkdtempSync(join(tmpdir(), 'ziriz-vis-')); });
  after(() => { rmSync(dir, { recursive: true, force: true }); });
  const file = (name: string, content: Buffer): string => {
    const p = join(dir, name);
    writeFileSync(p, content);
    return p;
  };
  const none = { go: null, exportsSsl: false } as const;

  it('reads PT_INTERP: a dynamic executable (this machine\'s /bin/sh), a static one, not ELF', () => {
    expect(hasInterpreter(readFileSync('/bin/sh').subarray(0, 64 * 1024))).to.equal(true);
    expect(hasInterpreter(elf([1, 1]))).to.equal(false);
    expect(hasInterpreter(elf([6, 3, 1]))).to.equal(true);
    expect(hasInterpreter(Buffer.from('#!/bin/sh\necho hi\n'))).to.equal(null);
  });

  it('static programs are blind unless they export OpenSSL; dynamic ones are seen unless they carry rustls', () => {
    const v = new Visibility();
    expect(v.blindness(file('static', elf([1])), none)).to.equal('static');
    expect(v.blindness(file('static-ssl', elf([1])), { go: null, exportsSsl: true })).to.equal(null);
    expect(v.blindness(file('dynamic', elf([3, 1])), none)).to.equal(null);
    const rust = Buffer.concat([elf([3, 1]), Buffer.alloc(3 << 20), Buffer.from('/cargo/registry/src/rustls-0.23.31/src/conn.rs')]);
    expect(v.blindness(file('rusty', rust), none)).to.equal('rustls');
    expect(v.blindness(file('script', Buffer.from('#!/bin/sh\n')), none)).to.equal(null);
    // A dynamic loader run as the program (no PT_INTERP of its own): the C library ziriz probes.
    expect(v.blindness(file('ld-musl-x86_64.so.1', elf([1])), none)).to.equal(null);
    expect(v.blindness(file('ld-linux-x86-64.so.2', elf([1])), none)).to.equal(null);
  });

  it('Go programs: seen when ziriz-gosym read them, blind when it could not; Java and .NET runtimes are blind', () => {
    const v = new Visibility();
    const go = file('goprog', elf([1]));
    expect(v.blindness(go, { go: 'readable', exportsSsl: false })).to.equal(null);
    expect(v.blindness(go, { go: 'unreadable', exportsSsl: false })).to.equal('go');
    expect(v.blindness('/usr/lib/jvm/java-21-openjdk-amd64/bin/java', none)).to.equal('jvm');
    expect(v.blindness('/usr/share/dotnet/dotnet', none)).to.equal('jvm');
  });
});
