/**
 * Live demonstration of what exists so far (issue 2): the kernel features of
 * this machine, then a TLS request seen in plaintext, before encryption, by a
 * pid-filtered uprobe on SSL_write in the client's own node binary. Everything
 * runs on loopback; the server uses a throwaway certificate.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BpfObject, u8 } from '../node-agent/src/bpf/object.js';
import { bpfObject } from '../node-agent/src/bpf/paths.js';
import { decodeRecord } from '../node-agent/src/bpf/records.js';
import { RingBufferReader } from '../node-agent/src/bpf/ringbuf.js';
import { runProbe } from '../node-agent/src/probe/probe.js';
import { usableHooks } from '../node-agent/src/probe/report.js';

function cert(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ziriz-demo-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'k'), '-out', join(dir, 'c'), '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'pipe' });
    return { key: readFileSync(join(dir, 'k'), 'utf8'), cert: readFileSync(join(dir, 'c'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const CLIENT = `
const https = require('node:https');
console.log('ready');
process.stdin.once('data', () => {
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'get_all_customers', arguments: { filter: 'none' } } });
  const req = https.request({ host: '127.0.0.1', port: Number(process.argv[1]), method: 'POST', path: '/mcp', rejectUnauthorized: false,
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' } }, (res) => { res.resume(); res.on('end', () => process.exit(0)); });
  req.end(body);
});`;

async function main(): Promise<void> {
  const report = runProbe();
  const hooks = usableHooks(report);
  process.stdout.write(`== kernel ${report.kernel.release}, libbpf ${report.libbpf}, lockdown ${report.lockdown ?? 'n/a'}, cgroup v2 at ${report.cgroupV2Root ?? 'none'}\n`);
  process.stdout.write(`   usable hooks:   ${hooks.usable.join(', ')}\n   degraded hooks: ${hooks.degraded.join(', ') || 'none'}\n`);

  const pinRoot = mkdtempSync('/sys/fs/bpf/ziriz-demo-');
  const server = createServer(cert(), (req, res) => {
    req.resume();
    req.on('end', () => res.end('{"jsonrpc":"2.0","id":1,"result":{}}'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
  const obj = BpfObject.load(bpfObject('uprobe_ssl_write'), { pinRoot, globals: { ziriz_capture_all: u8(1) } });
  // SSL_write returns WANT_READ while the handshake is still running, and the
  // caller retries with the same buffer: count attempts, show each write once.
  const seen = new Map<string, { text: string; attempts: number }>();
  const reader = new RingBufferReader(obj.map('ziriz_events'), (buf, s, e) => {
    const r = decodeRecord(buf, s, e);
    if (r.kind !== 'data') return;
    const key = `${r.conn}:${r.data.toString('base64')}`;
    const prev = seen.get(key);
    if (prev) prev.attempts++;
    else {
      const plain = r.data.toString().replace(/\r/g, '').replace(/^/gm, '     | ');
      seen.set(key, { text: `pid ${r.hdr.pid} (${r.hdr.comm}) SSL_write ${r.len} bytes, plaintext:\n${plain}`, attempts: 1 });
    }
  });
  reader.start();
  const child = spawn(process.execPath, ['-e', CLIENT, String(port)], { stdio: ['pipe', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((r) => child.stdout.once('data', () => { r(); }));
    const link = obj.attachUprobe({ program: 'ziriz_ssl_write', binary: process.execPath, symbol: 'SSL_write', pid: child.pid ?? -1 });
    process.stdout.write(`== uprobe SSL_write on ${process.execPath}, only pid ${child.pid ?? '?'}; client sends an MCP tools/call over TLS to 127.0.0.1:${port}\n`);
    child.stdin.write('go\n');
    await new Promise<void>((r) => child.once('exit', () => { r(); }));
    reader.drain();
    link.destroy();
  } finally {
    child.kill('SIGKILL');
    reader.close();
    obj.close();
    server.close();
    rmSync(pinRoot, { recursive: true, force: true });
  }
  const writes = [...seen.values()];
  for (const w of writes) process.stdout.write(`${w.text}\n     (${w.attempts} SSL_write call${w.attempts > 1 ? 's: retried while the TLS handshake completed' : ''})\n`);
  if (!writes.some((w) => w.text.includes('get_all_customers'))) {
    process.stderr.write('FAIL: the tools/call was not seen in plaintext\n');
    process.exitCode = 1;
  }
}

await main();
