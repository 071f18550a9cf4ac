/**
 * The protected client of the kernel property (run inside the rig's cgroup):
 * reads jobs on stdin, one JSON line each ({n, port, requests, chunks: base64
 * strings}), sends each stream to 127.0.0.1:port with one socket write per
 * chunk (each flushed before the next; wire.ts), and prints one JSON line
 * per job ({n, answer, ended}). Prints "ready" first.
 */
import { createInterface } from 'node:readline';
import { exchange } from './wire.js';

interface Job {
  readonly n: number;
  readonly port: number;
  readonly requests: number;
  readonly chunks: readonly string[];
}

process.stdout.write('ready\n');
for await (const line of createInterface({ input: process.stdin })) {
  const job = JSON.parse(line) as Job;
  const x = await exchange(job.port, job.chunks.map((c) => Buffer.from(c, 'base64')), job.requests);
  process.stdout.write(`${JSON.stringify({ n: job.n, ...x })}\n`);
}
