/**
 * uprobe on SSL_write entry in the real kernel: the plaintext of real TLS
 * requests (Node.js https, which exports OpenSSL from the node binary; curl,
 * through the system libssl) reaches JS through the ring buffer. Probes are
 * attached with a pid filter, as the agent does: other processes (this test
 * runner, the TLS server) are not probed. Loopback only.
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { DataSource } from '../../core/abi/enums.js';
import type { Link } from '../../node-agent/src/bpf/link.js';
import { BpfObject, u8 } from '../../node-agent/src/bpf/object.js';
import { bpfObject } from '../../node-agent/src/bpf/paths.js';
import { decodeRecord, type DataRecord } from '../../node-agent/src/bpf/records.js';
import { RingBufferReader } from '../../node-agent/src/bpf/ringbuf.js';
import { tempPinRoot, type PinRoot } from '../support/bpffs.js';
import { need, needRoot } from '../support/gate.js';
import { waitForLine } from '../support/lines.js';
import { Processes, waitFor } from '../support/processes.js';
import { testCert } from '../support/tls.js';

const LIBSSL = '/usr/lib/x86_64-linux-gnu/libssl.so.3';

/** Waits for "go" on stdin, then POSTs the marker over https (certificate not checked: test cert). */
const NODE_CLIENT = `
const https = require('node:https');
const [port, marker] = process.argv.slice(1);
console.log('ready');
process.stdin.once('data', () => {
  const req = https.request({ host: '127.0.0.1', port: Number(port), method: 'POST', path: '/' + marker,
    rejectUnauthorized: false, headers: { 'content-type': 'application/json' } }, (res) => {
    res.resume(); res.on('end', () => { console.log('status ' + res.statusCode); process.exit(0); });
  });
  req.end(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: marker } }));
});`;

describe('kernel: TLS plaintext capture with a pid-filtered SSL_write uprobe', function () {
  this.timeout(60_000);
  const procs = new Processes();
  let pins: PinRoot | undefined;
  let obj: BpfObject | undefined;
  let reader: RingBufferReader | undefined;
  let server: Server | undefined;
  let serverPort = 0;
  const links: Link[] = [];
  const records: DataRecord[] = [];
  const bodies: string[] = [];

  before(async function () {
    needRoot(this);
    pins = tempPinRoot();
    obj = BpfObject.load(bpfObject('uprobe_ssl_write'), {
      pinRoot: pins.dir,
      globals: { ziriz_capture_all: u8(1) }, // no identity map entries in this test
    });
    reader = new RingBufferReader(obj.map('ziriz_events'), (buf, s, e) => {
      const r = decodeRecord(buf, s, e);
      if (r.kind === 'data') records.push(r);
    });
    reader.start();
    server = createServer(testCert(), (req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        bodies.push(body);
        res.end('{"ok":true}');
      });
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const addr = server.address();
    serverPort = typeof addr === 'object' && addr !== null ? addr.port : 0;
  });

  afterEach(() => {
    for (const l of links.splice(0)) l.destroy();
  });

  after(() => {
    procs.killAll();
    reader?.close();
    obj?.close();
    pins?.remove();
    server?.close();
  });

  it('captures a Node.js https request body and headers before encryption', async () => {
    const marker = `ziriz-${randomUUID()}`;
    const child = procs.start(process.execPath, ['-e', NODE_CLIENT, String(serverPort), marker]);
    await waitForLine(child, 'ready');
    // The main thread's name (Node 24 calls it "MainThread"), as the kernel reports it.
    const comm = readFileSync(`/proc/${child.pid!}/task/${child.pid!}/comm`, 'utf8').trim();
    links.push(obj!.attachUprobe({ program: 'ziriz_ssl_write', binary: process.execPath, symbol: 'SSL_write', pid: child.pid! }));
    child.stdin!.write('go\n');
    const fin = await procs.wait(child, 20_000);
    expect(fin.stdout).to.include('status 200');

    expect(await waitFor(() => records.some((r) => r.hdr.pid === child.pid && r.data.includes(marker)), 5000)).to.equal(true);
    const mine = records.filter((r) => r.hdr.pid === child.pid);
    const text = Buffer.concat(mine.map((r) => r.data)).toString();
    expect(text).to.match(new RegExp(`^POST /${marker} HTTP/1.1\\r\\n`));
    expect(text).to.include(`"method":"tools/call"`);
    const first = mine[0]!;
    expect(first.source).to.equal(DataSource.SSL_WRITE);
    expect(first.hdr.comm).to.equal(comm);
    expect(first.len).to.be.greaterThan(0);
    expect(first.buf).to.not.equal(0n);
    // pid filter: the server (this process) wrote TLS too, and was not probed.
    expect(records.filter((r) => r.hdr.pid === process.pid)).to.have.length(0);
    expect(bodies.some((b) => b.includes(marker))).to.equal(true);
  });

  it('captures a curl request through the system libssl', async function () {
    need(this, existsSync(LIBSSL), `${LIBSSL} (Debian libssl3)`);
    const marker = `ziriz-${randomUUID()}`;
    // The shell waits for "go", then execs curl: same pid, so the pid filter applies to curl.
    const child = procs.start('sh', ['-c', `echo ready; read go; exec curl -sk -X POST --data '{"q":"${marker}"}' https://127.0.0.1:${serverPort}/curl-${marker}`]);
    await waitForLine(child, 'ready');
    links.push(obj!.attachUprobe({ program: 'ziriz_ssl_write', binary: LIBSSL, symbol: 'SSL_write', pid: child.pid! }));
    child.stdin!.write('go\n');
    const fin = await procs.wait(child, 20_000);
    expect(fin.code, fin.stderr).to.equal(0);
    expect(await waitFor(() => records.some((r) => r.hdr.pid === child.pid && r.data.includes(marker)), 5000)).to.equal(true);
    const rec = records.find((r) => r.hdr.pid === child.pid && r.data.includes(marker))!;
    expect(rec.hdr.comm).to.equal('curl');
    expect(rec.data.toString()).to.match(new RegExp(`^POST /curl-${marker} HTTP/1.1\\r\\n`));
  });

  it('captures nothing once the probe is detached', async () => {
    const marker = `ziriz-${randomUUID()}`;
    const child = procs.start(process.execPath, ['-e', NODE_CLIENT, String(serverPort), marker]);
    await waitForLine(child, 'ready');
    const l = obj!.attachUprobe({ program: 'ziriz_ssl_write', binary: process.execPath, symbol: 'SSL_write', pid: child.pid! });
    l.destroy();
    child.stdin!.write('go\n');
    const fin = await procs.wait(child, 20_000);
    expect(fin.stdout).to.include('status 200');
    reader!.drain();
    expect(records.filter((r) => r.hdr.pid === child.pid)).to.have.length(0);
  });
});
