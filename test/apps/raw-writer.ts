/**
 * Writes exact bytes to a server with exact write boundaries (a test's
 * attacker inside a protected pod): argv[2] port, argv[3] a JSON list of
 * base64 parts, argv[4] 'writes' (one write per part, each flushed before
 * the next) or 'writev' (all parts corked: one writev). Prints what the
 * server answered (or 'error ...'), then exits. Loopback only.
 */
import { connect } from 'node:net';

const [port, partsJson, mode] = process.argv.slice(2);
const parts = (JSON.parse(partsJson ?? '[]') as string[]).map((p) => Buffer.from(p, 'base64'));
let out = '';
const s = connect({ host: '127.0.0.1', port: Number(port) }, () => {
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
});
s.on('data', (d: Buffer) => (out += d.toString('latin1')));
const finish = (why: string): void => {
  process.stdout.write(`${why}\n${out}\n`);
  process.exit(0);
};
s.on('end', () => { finish('end'); });
s.on('error', (e: Error) => { finish(`error ${e.message}`); });
setTimeout(() => { finish('timeout'); }, 2500).unref();
