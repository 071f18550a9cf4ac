/**
 * stdio MCP servers on the real kernel (issue 15, item 4): an agent in the
 * protected cgroup starts an official-SDK stdio server as its child and calls
 * tools, with each SDK's own launcher:
 * - TypeScript SDK (StdioClientTransport): Node gives the child a Unix
 *   socket pair as stdin/stdout;
 * - Python SDK (stdio_client): pipes, written with libc write();
 * - Go SDK (CommandTransport): pipes, written by Go's own system calls.
 * Every pipe, named FIFO and Unix stream socket a process of the pod writes
 * to is judged, except the stdio a program started from outside the pod was
 * given (the container's stdout: here the test runner's pipe), noted when it
 * executes (bpf/lib/fd.h ziriz_outside); the child that executes with a pipe
 * as its stdin names it. An MCP server on a Unix socket of the pod (not a
 * stdio child) is judged the same way. Asserted on the server's record of
 * what ran, and on the Events naming the child.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pythonWithMcp } from '../differential/toolchains.js';
import { needRoot } from '../support/gate.js';
import { SYSTEM_PYTHON } from '../support/python.js';
import { goBuild } from '../support/go-build.js';
import { REPO } from '../support/kustomize.js';
import { ToolRig } from '../support/tool-rig.js';
import { toolPolicy } from '../support/tool-policy.js';
import { covers } from '../support/coverage.js';

interface Outcome { tool: string; ok: boolean; text?: string; error?: string }

const CALLS = ['get_customer={"id":1}', 'delete_customer={"id":9}', 'get_all_customers={"filter":"none"}', 'get_all_customers={"filter":"vip"}'];
const NODE_SERVER = join(REPO, 'dist/hack/apps/customer-mcp-stdio.js');
const UNIX_SERVER = join(REPO, 'dist/hack/apps/customer-mcp-unix.js');
const DENIED_CALL = '{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"delete_customer","arguments":{"id":9}}}';

describe('kernel: stdio MCP servers started by a protected agent (official SDKs: socket pair and pipes)', function () {
  this.timeout(300_000);
  const rig = new ToolRig();
  let dir = '';
  let python = '';
  let goMcp = '';

  before(async function () {
    needRoot(this);
    dir = mkdtempSync(join(tmpdir(), 'ziriz-stdio-'));
    [python, goMcp] = await Promise.all([pythonWithMcp(rig.procs), goBuild(rig.procs, join(REPO, 'test/apps/go-mcp'))]);
    await rig.start([toolPolicy()], { tls: true });
  });
  after(async () => {
    await rig.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Run `argv` in the protected cgroup; the calls' outcomes, what ran and the blocked calls' Event targets. */
  async function agent(argv: readonly string[], env: Record<string, string> = {}): Promise<{ out: Outcome[]; ran: string[]; blocked: string[] }> {
    const vBefore = rig.verdicts.length;
    const ranBefore = rig.ranTools().length;
    const fin = await rig.procs.wait(rig.spawnProgramProtected(argv, { SIDE_EFFECTS: rig.sideEffects, ...env }), 90_000);
    expect(fin.stdout, fin.stderr.slice(-1500)).to.include('done');
    return {
      out: fin.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Outcome),
      ran: rig.ranTools().slice(ranBefore),
      blocked: rig.verdicts.slice(vBefore).filter((v) => v.reason === 'ToolCallBlocked').map((v) => v.target),
    };
  }

  function expectJudged(r: { out: Outcome[]; ran: string[]; blocked: string[] }, server: RegExp): void {
    expect(r.out.map((o) => o.ok), JSON.stringify(r.out)).to.deep.equal([true, false, false, true]);
    expect(`${r.out[1]?.error ?? ''}${r.out[1]?.text ?? ''}`).to.match(/ZIRIZ_DENIED___/);
    expect(r.ran).to.deep.equal(['get_customer', 'get_all_customers']);
    expect(r.blocked.map((t) => t.replace(/ to .*$/, ''))).to.deep.equal(['tools/call delete_customer', 'tools/call get_all_customers']);
    for (const t of r.blocked) expect(t).to.match(server);
  }

  it('TypeScript SDK client (socket pair): denied calls never run; Events name the child as the server', async () => {
    covers('Node (its OpenSSL)', 'stdio child', 'TS SDK client, socket pair');
    const r = await agent([process.execPath, join(REPO, 'dist/test/apps/stdio-agent.js'), NODE_SERVER, ...CALLS]);
    expectJudged(r, / to stdio server node customer-mcp-stdio\.js \(pid \d+\)$/);
  });

  it('Python SDK client (pipes, libc write): denied calls never run; Events name the child', async () => {
    covers('Python (OpenSSL)', 'stdio child', 'Python SDK client, pipes');
    const r = await agent([python, join(REPO, 'test/apps/stdio_agent.py'), process.execPath, NODE_SERVER, '--', ...CALLS]);
    expectJudged(r, / to stdio server node customer-mcp-stdio\.js \(pid \d+\)$/);
  });

  it('Go SDK client (pipes, Go system calls) and Go SDK stdio server: denied calls never run; Events name the child', async () => {
    covers('Go (crypto/tls, own syscalls)', 'stdio child', 'Go SDK client and server, pipes');
    const r = await agent([goMcp, 'stdio-client', goMcp, 'stdio-server', rig.sideEffects, '--', ...CALLS]);
    expectJudged(r, / to stdio server go-mcp-\w+ stdio-server side-effects\.jsonl \(pid \d+\)$/);
  });

  it('a response line (no "method", spelled plainly) written into a pipe is not held; one with escapes still is', async () => {
    // A protected Python writes lines into a pipe to cat (its child, in the pod), one write each, and the counter says which were held.
    const held = async (line: string): Promise<number> => {
      const before = rig.counters().call_held ?? 0n;
      const py = `import subprocess, os\np = subprocess.Popen(['cat'], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)\nos.write(p.stdin.fileno(), ${JSON.stringify(`${line}\n`)}.encode())\np.stdin.close()\np.wait()\n`;
      const r = await rig.procs.wait(rig.spawnProgramProtected([SYSTEM_PYTHON, '-c', py]), 60_000);
      expect(r.code, r.stderr).to.equal(0);
      return Number((rig.counters().call_held ?? 0n) - before);
    };
    expect(await held('{"result":{"protocolVersion":"2025-11-25","serverInfo":{"name":"customer-mcp","version":"1.0.0"}},"jsonrpc":"2.0","id":1}'), 'plain response').to.equal(0);
    expect(await held('{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"get_customer","arguments":{"id":1}}}'), 'allowed call').to.equal(0);
    // Escapes can hide a key ("m\\u0065thod"): the kernel cannot tell a response from a request there, the agent reads it.
    expect(await held('{"result":{"content":[{"type":"text","text":"{\\"id\\":1}"}]},"jsonrpc":"2.0","id":3}'), 'response with escapes').to.equal(1);
    expect(await held('{"jsonrpc":"2.0","id":4,"m\\u0065thod":"tools/call","params":{"name":"delete_customer","arguments":{"id":9}}}'), 'escaped method key').to.equal(1);
  });

  it('a call split across writes so that no write shows both its method and its name: judged as one message, never runs', async () => {
    covers('Python (OpenSSL)', 'stdio child', 'split writes');
    const r = await agent([python, join(REPO, 'test/apps/stdio_split.py'), 'get_customer={"id":1}', 'delete_customer={"id":9}', 'get_customer={"id":2}', '--', process.execPath, NODE_SERVER]);
    expect(r.out.map((o) => o.ok), JSON.stringify(r.out)).to.deep.equal([true, false, true]);
    // Its start was held (a line stream write that is not one whole message), its end too (the connection held):
    // the method, in the last write, is renamed, and the server answers "method not found" for this id.
    expect(JSON.stringify(r.out[1])).to.match(/-32601|not found/i);
    expect(r.ran).to.deep.equal(['get_customer', 'get_customer']);
    expect(r.blocked.map((t) => t.replace(/ to .*$/, ''))).to.deep.equal(['tools/call delete_customer']);
  });

  for (const split of ['three', 'junk']) {
    it(`split ${split === 'three' ? 'so that no write holds a whole "jsonrpc" or "method" key' : 'after a garbage line in the same write'}: the denied call never runs, the others do`, async () => {
      covers('Python (OpenSSL)', 'stdio child', 'split writes');
      const r = await agent([python, join(REPO, 'test/apps/stdio_split.py'), 'get_customer={"id":1}', 'delete_customer={"id":9}', 'get_customer={"id":2}', '--', process.execPath, NODE_SERVER], { SPLIT: split });
      expect(r.out.map((o) => o.ok), JSON.stringify(r.out)).to.deep.equal([true, false, true]);
      expect(r.ran).to.deep.equal(['get_customer', 'get_customer']);
    });
  }

  for (const split of ['two', 'three', 'junk']) {
    it(`an MCP server on a Unix socket of the pod (TS SDK, not a stdio child), call split ${split === 'two' ? 'params first' : split === 'three' ? 'with no whole key in any write' : 'after a garbage line'}: the denied call never runs, the others do`, async () => {
      covers('Python (OpenSSL)', 'Unix socket', 'split writes');
      const r = await agent([python, join(REPO, 'test/apps/stdio_split.py'), 'get_customer={"id":1}', 'delete_customer={"id":9}', 'get_customer={"id":2}', '--', process.execPath, UNIX_SERVER], { SPLIT: split, LINK: 'unix' });
      expect(r.out.map((o) => o.ok), JSON.stringify(r.out)).to.deep.equal([true, false, true]);
      expect(r.ran).to.deep.equal(['get_customer', 'get_customer']);
      expect(r.blocked.map((t) => t.replace(/ to .*$/, ''))).to.deep.equal(['tools/call delete_customer']);
    });
  }

  it('a named FIFO between two programs of the pod (mkfifo) is judged like a pipe', async () => {
    covers('plaintext through libc (glibc, musl)', 'stdio child', 'a named FIFO');
    const file = join(dir, 'fifo-call.json');
    writeFileSync(file, `${DENIED_CALL}\n`);
    const fifo = join(dir, 'calls.fifo');
    const out = join(dir, 'fifo-read.json');
    const vBefore = rig.verdicts.length;
    // The reader opens the FIFO (blocking until the writer does) and copies it to a file; the writer is cat.
    const r = await rig.procs.wait(rig.spawnProgramProtected(['/bin/sh', '-c', `mkfifo ${fifo} && { cat < ${fifo} > ${out} & cat ${file} > ${fifo}; wait; }`]), 60_000);
    expect(r.code, r.stderr).to.equal(0);
    const read = readFileSync(out, 'utf8');
    expect(read).to.not.include('delete_customer');
    expect(read).to.match(/"name":"ZIRIZ_DENIED___"/);
    // One Event for the one write. (The writer is forked by sh and probed, then execs cat: its probes are
    // attached again while the old links are still being destroyed; both fired, and the call was held and
    // reported twice until zhold_current refused a second hold of a thread in the same trap.)
    const reasons = rig.verdicts.slice(vBefore).map((v) => `${v.reason} ${v.target.replace(/ to .*$/, '')}`);
    expect(reasons).to.deep.equal(['ToolCallBlocked tools/call delete_customer']);
  });

  it('a write whose probe is on twice (links replaced, two agents) is held once and reported once', async () => {
    const out = join(dir, 'twice-read.json');
    // Python waits for a line, then writes the denied call into a pipe to cat (its child, in the pod).
    const script = `import subprocess, sys\nsys.stdin.readline()\np = subprocess.Popen(['cat'], stdin=subprocess.PIPE, stdout=open(${JSON.stringify(out)}, 'w'))\np.stdin.write(${JSON.stringify(`${DENIED_CALL}\n`)}.encode())\np.stdin.close()\nsys.exit(p.wait())\n`;
    const p = rig.spawnProgramProtected(['/usr/bin/python3', '-c', script]);
    const pid = p.pid ?? 0;
    const extra = rig.extraProbes();
    try {
      for (let i = 0; i < 100 && !rig.probes.has(pid); i++) await new Promise((r) => setTimeout(r, 100));
      expect(rig.probes.has(pid), 'python probed').to.equal(true);
      expect(extra.ensure(pid), 'the second set of links').to.be.greaterThan(0);
      const vBefore = rig.verdicts.length;
      const twiceBefore = rig.counters().hold_twice ?? 0n;
      p.stdin?.end('go\n');
      const r = await rig.procs.wait(p, 60_000);
      expect(r.code, r.stderr).to.equal(0);
      expect(readFileSync(out, 'utf8')).to.match(/"name":"ZIRIZ_DENIED___"/);
      expect(rig.verdicts.slice(vBefore).map((v) => `${v.reason} ${v.target.replace(/ to .*$/, '')}`)).to.deep.equal(['ToolCallBlocked tools/call delete_customer']);
      expect(Number((rig.counters().hold_twice ?? 0n) - twiceBefore), 'kernel counter hold_twice').to.be.greaterThan(0);
    } finally {
      await extra.closeAll();
    }
  });

  it('a pipe between two programs of the pod is judged from its first byte; the pod\'s own stdout (made outside) is not', async () => {
    covers('plaintext through libc (glibc, musl)', 'stdio child', 'a shell pipeline');
    const file = join(dir, 'call.json');
    writeFileSync(file, `${DENIED_CALL}\n`);
    const vBefore = rig.verdicts.length;
    // cat writes into the pipe sh made (in the pod), and only once it has exited does the reader start (executes
    // with the pipe as its stdin): the write was judged though no reader was known yet.
    const mark = join(dir, 'written');
    const wait = `i=0; while [ ! -e ${mark} ] && [ $i -lt 300 ]; do sleep 0.1 </dev/null; i=$((i+1)); done`;
    // The reader writes to a file: the test runner's own stdout is a socket pair, which is judged (a Unix socket).
    const out = join(dir, 'read.json');
    const piped = await rig.procs.wait(rig.spawnProgramProtected(['/bin/sh', '-c', `{ cat ${file}; : > ${mark}; } | { ${wait}; exec cat > ${out}; }`]), 60_000);
    expect(piped.code, piped.stderr).to.equal(0);
    const read = readFileSync(out, 'utf8');
    expect(read).to.not.include('delete_customer');
    expect(read).to.match(/"name":"ZIRIZ_DENIED___"/);
    expect(rig.verdicts.slice(vBefore).map((v) => v.reason)).to.deep.equal(['ToolCallBlocked']);
    // The same bytes to the program's stdout, a pipe made outside the pod (as a container's is, by the runtime's
    // shim): the outer shell makes it, then the writer joins the pod and executes cat. Passed as they are.
    const vMid = rig.verdicts.length;
    const direct = await rig.procs.wait(rig.procs.start('/bin/sh', ['-c', `sh -c 'echo $$ > ${rig.cgroupPath}/cgroup.procs && exec /bin/cat ${file}' | cat`]), 30_000);
    expect(direct.stdout).to.equal(`${DENIED_CALL}\n`);
    expect(rig.verdicts.slice(vMid)).to.deep.equal([]);
  });
});
