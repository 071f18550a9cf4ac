import { expect } from 'chai';
import { libKind } from '../../../node-agent/src/calls/targets.js';

describe('calls/targets libKind: which mapped library gets which probes', () => {
  const rows: [string, ReturnType<typeof libKind>][] = [
    ['/usr/lib/x86_64-linux-gnu/libc.so.6', 'libc'],
    ['/lib/libc-2.31.so', 'libc'],
    ['/lib/ld-musl-x86_64.so.1', 'libc'], // Alpine: musl's loader is its C library
    ['/lib/ld-musl-aarch64.so.1', 'libc'],
    ['/usr/lib/libc.musl-x86_64.so.1', 'libc'],
    ['/usr/lib/x86_64-linux-musl/libc.so', 'libc'], // Debian's musl
    ['/usr/lib/x86_64-linux-gnu/libssl.so.3', 'openssl'],
    ['/usr/lib/x86_64-linux-gnu/libgnutls.so.30', 'gnutls'],
    ['/lib64/ld-linux-x86-64.so.2', null], // glibc's loader is not its C library
    ['/usr/lib/x86_64-linux-gnu/libcrypto.so.3', null],
    ['/lib/ld-musl-x86_64.so.1.bak', null],
  ];
  for (const [path, kind] of rows) {
    it(`${path} -> ${kind ?? 'none'}`, () => {
      expect(libKind(path)).to.equal(kind);
    });
  }
});
