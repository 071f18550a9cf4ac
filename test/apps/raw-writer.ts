/**
 * Writes exact bytes to a server with exact write boundaries (a test's
 * attacker inside a protected pod): argv[2] port, argv[3] a JSON list of
 * base64 parts, argv[4] 'writes' (one write per part, each flushed before
 * the next) or 'writev' (all parts corked: one writev), argv[5] 'tls' to
 * speak TLS (Node's OpenSSL: SSL_write, then the ciphertext by libc). With
 * RAW_WRITER_WAIT=1 it prints 'ready' and connects on the first line read
 * from stdin (a test starts its attack on a process that is running).
 * RAW_WRITER_HOST: the server's address (a test's own network namespace).
 * Prints what the server answered (or 'error ...'), then exits.
 */
import { connect as connectTcp } from 'node:net';
import { connect as connectTls } from 'node:tls';

const [port, partsJson, mode, transport] = process.argv.slice(2);
const parts = (JSON.parse(partsJson ?? '[]') as string[]).map((p) => Buffer.from(p, 'base64'));
let out = '';
const opts = { host: process.env.RAW_WRITER_HOST ?? '127.0.0.1', port: Number(port) };
const onConnect = (): void => {
  if (mode === 'writev') {
    s.cork();
    for (const p of parts) s.write(p);
    s.uncork();
    return;
  }
  let i = 0;
  const next = (): void => {
    const part = parts[i++];
    if (part !== undefined) s.write(part, () => setTimeout(next, 15));
  };
  next();
};
let s: ReturnType<typeof connectTcp>;
const finish = (why: string): void => {
  process.stdout.write(`${why}\n${out}\n`);
  process.exit(0);
};
const start = (): void => {
  // The test's own self-signed server on loopback: its certificate is not what is tested.
  s = transport === 'tls' ? connectTls({ ...opts, rejectUnauthorized: false }, onConnect) : connectTcp(opts, onConnect);
  s.on('data', (d: Buffer) => (out += d.toString('latin1')));
  s.on('end', () => { finish('end'); });
  s.on('error', (e: Error) => { finish(`error ${e.message}`); });
  setTimeout(() => { finish('timeout'); }, 2500).unref();
};
if (process.env.RAW_WRITER_WAIT === '1') {
  process.stdout.write('ready\n');
  process.stdin.once('data', () => { process.stdin.pause(); start(); });
} else {
  start();
}
