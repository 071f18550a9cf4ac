/**
 * Benchmarks (issue 7), one run, same machine, load generators in their own
 * processes:
 *  (a) an UNPROTECTED Node.js HTTPS server's requests/s (wrk) without and with
 *      ziriz running and probing another (protected) node process: uprobes are
 *      per process, so the ratio should be 1.00 within noise;
 *  (b) a protected agent calling an allowed MCP tool that works ~1 ms:
 *      calls/s protected vs the same client unprotected (ratio);
 *  (c) the time added per allowed call on a tiny tool, and probe hits per call;
 *  (d) hold time of blocked calls, probe firing to resume (p50/p99), with
 *      this process (the agent's part) at the node agent's nice value, without
 *      and with real-time waiting (ZIRIZ_RT_PRIORITY);
 *  (f) (b) with the official MCP Python SDK client (Python's ssl: libssl),
 *      from the differential harness's venv (hack/setup-differential);
 *  (g) (b) with the official Go MCP SDK client (Go's crypto/tls, HTTP/1.1 to
 *      the Node server): probes at crypto/tls.(*Conn).Write found by ziriz-gosym;
 *  (h) the Go client against the Go SDK server: HTTP/2 over TLS, every write
 *      of the connection held and followed by the agent (calls/h2.ts).
 * Run as root: hack/bench tool-calls.
 */
import { runAsAgent } from './agent-runtime.js';
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { dirname, join } from 'node:path';
import { DEFAULT_NICE, DEFAULT_RT_PRIORITY } from '../node-agent/src/agent/config.js';
import { ensureKernelMounts } from '../node-agent/src/kernel/mounts.js';
import { realtimeWhileWaiting, stopRealtime } from '../node-agent/src/kernel/realtime.js';
import { REPO } from '../test/support/kustomize.js';
import { waitForLine } from '../test/support/lines.js';
import { TestNetns, vethPair } from '../test/support/netns.js';
import { goBuild } from '../test/support/go-build.js';
import { Processes, waitFor, type Finished } from '../test/support/processes.js';
import { testCert } from '../test/support/tls.js';
import { ToolRig } from '../test/support/tool-rig.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const LOOP = join(REPO, 'dist/bench/apps/mcp-loop.js');
const PY_LOOP = join(REPO, 'bench/apps/mcp_loop.py');
const PY = join(process.env.ZIRIZ_CACHE ?? join(process.env.HOME ?? '/root', '.cache/ziriz'), 'differential/venv/bin/python');

const POLICY = {
  apiVersion: 'ziriz.io/v1alpha1', kind: 'AgentPolicy', metadata: { name: 'bench', namespace: 'payments' },
  spec: {
    selector: { matchLabels: { app: 'gpt-orchestrator' } },
    mcp: { tools: [{ name: 'get_customer', effect: 'Allow' }] },
  },
};

/**
 * (e): what unprotected callers may call on customer-mcp. get_customer is allowed by name (passes
 * in the kernel); get_all_customers only with an argument the kernel cannot decide (held, judged in
 * userspace).
 */
const INBOUND = {
  apiVersion: 'ziriz.io/v1alpha1', kind: 'AgentPolicy', metadata: { name: 'bench-inbound', namespace: 'payments' },
  spec: {
    selector: { matchLabels: { app: 'customer-mcp' } },
    inbound: {
      mcp: {
        tools: [
          { name: 'get_customer' },
          { name: 'get_all_customers', arguments: { filter: { notIn: ['none'] } } },
        ],
      },
    },
  },
};
/** (e) addresses, only inside the namespaces the benchmark creates. */
const E_SERVER_IP = '10.251.40.1';
const E_CLIENT_IP = '10.251.40.2';

function wrk(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const p = spawn('wrk', ['-t1', '-c16', `-d${SECONDS}s`, url], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.on('exit', () => {
      const m = /Requests\/sec:\s+([\d.]+)/.exec(out);
      if (m?.[1]) resolve(Number(m[1]));
      else reject(new Error(`wrk: ${out}`));
    });
  });
}

async function helloServer(): Promise<{ port: number; stop: () => void }> {
  const cert = testCert();
  const p = spawn(process.execPath, ['-e', `require('node:https').createServer({ key: process.env.K, cert: process.env.C }, (q, s) => s.end('ok')).listen(0, '127.0.0.1', function () { console.log('listening ' + this.address().port); })`], {
    env: { ...process.env, K: cert.key, C: cert.cert }, stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = Number((await waitForLine(p, 'listening')).split(' ')[1]);
  return { port, stop: () => { p.kill('SIGKILL'); } };
}

/** "calls errors seconds", as the loop clients print it. */
function loopResult(fin: Finished, what: string): { calls: number; errors: number; seconds: number } {
  const [calls, errors, seconds] = fin.stdout.trim().split(' ').map(Number);
  if (calls === undefined || !Number.isFinite(calls)) throw new Error(`${what}: ${fin.stdout} ${fin.stderr.slice(-2000)}`);
  return { calls, errors: errors ?? 0, seconds: seconds ?? SECONDS };
}

/** The loop client: Node (mcp-loop.ts), Python (mcp_loop.py) or the Go SDK's (test/apps/go-mcp, its path). */
type Client = 'node' | 'python' | { readonly go: string };

async function loop(rig: ToolRig, protectedRun: boolean, tool: string, args: string, client: Client = 'node'): Promise<{ calls: number; errors: number; seconds: number }> {
  const url = `https://127.0.0.1:${rig.serverPort}`;
  const argv = [url, tool, String(SECONDS), args];
  const env = { ...process.env, SSL_CERT_FILE: rig.certFile };
  const inCgroup = (cmd: readonly string[]) => rig.procs.start('sh', ['-c', `${protectedRun ? `echo $$ > ${rig.cgroupPath}/cgroup.procs && ` : ''}exec "$@"`, 'sh', ...cmd], { env });
  const child = client === 'python'
    ? inCgroup([PY, PY_LOOP, ...argv])
    : typeof client === 'object'
      ? inCgroup([client.go, 'loop', `${url}/mcp`, rig.certFile, tool, String(SECONDS), args])
      : protectedRun ? rig.spawnProtected(LOOP, argv) : rig.spawnUnprotected(LOOP, argv);
  setPriority(child.pid ?? 0, 0); // the client runs at normal priority whatever this process's
  const fin = await rig.procs.wait(child, (SECONDS + 30) * 1000);
  return loopResult(fin, typeof client === 'object' ? 'go-mcp loop' : client === 'python' ? 'mcp_loop.py' : 'mcp-loop');
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
}

const f = (n: number, d = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** Calls bench/apps/mcp-loop makes before it starts counting. */
const WARMUP_CALLS = 20;
/** BENCH_ONLY=d (or a, b, c, e, any combination) runs only those parts. */
const ONLY = process.env.BENCH_ONLY ?? 'abcdefgh';

function median(xs: number[]): number {
  return pct(xs, 50);
}

/** Alternate unprotected/protected runs of the loop; medians of calls/s. */
async function alternate(rig: ToolRig, tool: string, args: string, client: Client = 'node'): Promise<{ u: number; p: number; hitsPerCall: number; holdsPerCall: number }> {
  const u: number[] = [];
  const p: number[] = [];
  let hits = 0;
  let holds = 0;
  let calls = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const a = await loop(rig, false, tool, args, client);
    u.push(a.calls / a.seconds);
    const h0 = rig.counters().probe_hits ?? 0n;
    const held0 = rig.counters().call_held ?? 0n;
    const b = await loop(rig, true, tool, args, client);
    hits += Number((rig.counters().probe_hits ?? 0n) - h0);
    holds += Number((rig.counters().call_held ?? 0n) - held0);
    calls += b.calls + WARMUP_CALLS;
    p.push(b.calls / b.seconds);
  }
  // Holds per call include the session's own requests (initialize, notifications, the event stream).
  return { u: median(u), p: median(p), hitsPerCall: hits / calls, holdsPerCall: holds / calls };
}

/** One (a) round: a fresh, warmed-up server; with ziriz probing a protected node process, or not. */
async function helloRound(on: boolean): Promise<number> {
  const hello = await helloServer();
  const url = `https://127.0.0.1:${hello.port}/`;
  const rig = on ? new ToolRig() : undefined;
  try {
    if (rig) {
      await rig.start([POLICY]);
      await rig.client();
      if (rig.probes.linkCount === 0) throw new Error('no probed process');
    }
    await wrk(url); // warm-up
    return await wrk(url);
  } finally {
    await rig?.stop();
    hello.stop();
  }
}

/** bench/apps/mcp-loop in the caller's network namespace, not protected, against `url`. */
async function loopFrom(rig: ToolRig, caller: TestNetns, url: string, tool: string, args: string): Promise<{ calls: number; errors: number; seconds: number }> {
  const child = rig.procs.start('nsenter', [`--net=${caller.path}`, process.execPath, LOOP, url, tool, String(SECONDS), args], {
    env: { ...process.env, NODE_EXTRA_CA_CERTS: rig.certFile },
  });
  setPriority(child.pid ?? 0, 0);
  const fin = await rig.procs.wait(child, (SECONDS + 30) * 1000);
  return loopResult(fin, 'mcp-loop');
}

interface ProgInfo { id: number; name: string; type: string; run_cnt?: number; run_time_ns?: number }

/** Ids of the BPF programs this process holds open (/proc/self/fdinfo: prog_id). */
function ownProgramIds(): Set<number> {
  const ids = new Set<number>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) !== 'anon_inode:bpf-prog') continue;
      const m = /^prog_id:\s+(\d+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'));
      if (m?.[1]) ids.add(Number(m[1]));
    } catch {
      // closed meanwhile
    }
  }
  return ids;
}

/**
 * run_cnt of the uprobe programs this process loaded (kernel.bpf_stats_enabled must be on), by
 * name: only its own, other engineers' rigs load the same programs.
 */
function uprobeRunCounts(own: Set<number>): { runs: Map<string, number>; ns: number } {
  const progs = JSON.parse(execFileSync('bpftool', ['prog', 'show', '-j'], { encoding: 'utf8', maxBuffer: 64 << 20 })) as ProgInfo[];
  const runs = new Map<string, number>();
  let ns = 0;
  for (const p of progs) {
    if (p.type !== 'kprobe' || !own.has(p.id)) continue;
    runs.set(p.name, (runs.get(p.name) ?? 0) + (p.run_cnt ?? 0)); // bpftool leaves run_cnt out while 0
    ns += p.run_time_ns ?? 0;
  }
  return { runs, ns };
}

const BPF_STATS = '/proc/sys/kernel/bpf_stats_enabled';

/** (e) the server side, one rig: a protected customer-mcp and a plain one in the same namespace. */
async function serverSide(): Promise<void> {
  const spaces: TestNetns[] = [];
  const rig = new ToolRig();
  try {
    const srv = TestNetns.create('zbsrv');
    spaces.push(srv);
    const caller = TestNetns.create('zbcall');
    spaces.push(caller);
    vethPair({ ns: srv, name: 'zbe-s', addrs: [`${E_SERVER_IP}/24`] }, { ns: caller, name: 'zbe-c', addrs: [`${E_CLIENT_IP}/24`] });
    await rig.start([INBOUND], {
      serverEnv: { WORK_MS: '1' },
      server: { protect: true, netns: srv, podIPs: [E_SERVER_IP], certIps: [E_SERVER_IP] },
    });
    if (!(await waitFor(() => rig.probes.has(rig.serverPid), 10_000))) throw new Error('the protected server was not probed');
    // The same server outside the pod cgroup: same namespace, certificate, work and side-effects file.
    const plain = rig.procs.start('nsenter', [`--net=${srv.path}`, process.execPath, join(REPO, 'dist/hack/apps/customer-mcp.js')], {
      env: {
        ...process.env, SIDE_EFFECTS: rig.sideEffects, PORT: '0', HOST: '0.0.0.0', WORK_MS: '1',
        ZIRIZ_TLS_CERT: rig.certFile, ZIRIZ_TLS_KEY: join(dirname(rig.certFile), 'tls.key'),
      },
    });
    const plainPort = Number((await waitForLine(plain, 'listening', 20_000)).split(' ')[1]);
    const protectedUrl = `https://${E_SERVER_IP}:${rig.serverPort}`;
    const plainUrl = `https://${E_SERVER_IP}:${plainPort}`;
    const serverHolds = (): number => rig.holdsSeen.filter((h) => h.pid === rig.serverPid).length;

    // 1. Allowed by name: alternating rounds, the plain server first.
    const u: number[] = [];
    const p: number[] = [];
    let errors = 0;
    const held0 = serverHolds();
    for (let r = 0; r < ROUNDS; r++) {
      const a = await loopFrom(rig, caller, plainUrl, 'get_customer', '{"id":1}');
      u.push(a.calls / a.seconds);
      const b = await loopFrom(rig, caller, protectedUrl, 'get_customer', '{"id":1}');
      p.push(b.calls / b.seconds);
      errors += a.errors + b.errors;
    }
    process.stdout.write(`(e) server side, unprotected MCP client -> customer-mcp (tool allowed by name, ~1 ms of work), median of ${ROUNDS} alternating rounds: ${f(median(u))} calls/s server not protected, ${f(median(p))} protected by inbound rules: ratio ${(median(p) / median(u)).toFixed(3)} (rounds ${p.map((x, i) => (x / (u[i] ?? NaN)).toFixed(3)).join(', ')}); errors ${errors}, server holds ${serverHolds() - held0}\n`);

    // 2. Probe cost per call: one more protected run with BPF run statistics on.
    const statsBefore = readFileSync(BPF_STATS, 'utf8').trim();
    let cost: { calls: number; hits: bigint; runs: Map<string, number>; ns: number; statsAfter: string };
    try {
      writeFileSync(BPF_STATS, '1');
      const own = ownProgramIds();
      const r0 = uprobeRunCounts(own);
      const h0 = rig.counters().probe_hits ?? 0n;
      const c = await loopFrom(rig, caller, protectedUrl, 'get_customer', '{"id":1}');
      const h1 = rig.counters().probe_hits ?? 0n;
      const r1 = uprobeRunCounts(own);
      const runs = new Map([...r1.runs].map(([name, n]) => [name, n - (r0.runs.get(name) ?? 0)]));
      cost = { calls: c.calls + WARMUP_CALLS, hits: h1 - h0, runs, ns: r1.ns - r0.ns, statsAfter: readFileSync(BPF_STATS, 'utf8').trim() };
    } finally {
      writeFileSync(BPF_STATS, statsBefore);
    }
    const per = (n: number | bigint): string => (Number(n) / cost.calls).toFixed(2);
    const recv = [...cost.runs].filter(([name]) => name.startsWith('ziriz_recv')).sort(([x], [y]) => x.localeCompare(y));
    const others = [...cost.runs].filter(([name, n]) => !name.startsWith('ziriz_recv') && n > 0);
    process.stdout.write(`(e) probe cost per allowed call on the server (${cost.calls} calls): probe_hits ${per(cost.hits)} (judged); uprobe runs ${recv.map(([name, n]) => `${name} ${per(n)}`).join(', ')}; total ${per(recv.reduce((s, [, n]) => s + n, 0))}, ${f(cost.ns / cost.calls / 1000, 1)} us of BPF program time per call${others.length ? `; other ziriz uprobe programs: ${others.map(([name, n]) => `${name} ${per(n)}`).join(', ')}` : ''}${cost.statsAfter === '1' ? '' : ' (bpf_stats_enabled was turned off during the run by someone else: counts are low)'}\n`);

    // 3. Calls held for an argument check, the agent's part as the node agent runs it.
    for (const rt of [0, DEFAULT_RT_PRIORITY]) {
      const first = rig.holdsSeen.length;
      const ran0 = rig.ranTools().filter((t) => t === 'get_all_customers').length;
      setPriority(DEFAULT_NICE);
      if (rt > 0) realtimeWhileWaiting(rt);
      const c = await loopFrom(rig, caller, protectedUrl, 'get_all_customers', '{"filter":"active"}').finally(() => { stopRealtime(); setPriority(0); });
      const holds = rig.holdsSeen.slice(first).filter((h) => h.pid === rig.serverPid);
      const ran = rig.ranTools().filter((t) => t === 'get_all_customers').length - ran0;
      const warm = holds.slice(0, WARMUP_CALLS);
      const steady = holds.slice(WARMUP_CALLS);
      const holdUs = steady.map((h) => h.seconds * 1e6);
      const waitUs = steady.map((h) => h.waitSeconds * 1e6);
      const judgeUs = steady.map((h) => (h.seconds - h.waitSeconds) * 1e6);
      const outcomes = [...new Set(holds.map((h) => h.outcome))].join('/');
      const how = rt > 0 ? `nice ${DEFAULT_NICE} + real-time wait (priority ${rt})` : `nice ${DEFAULT_NICE} only`;
      process.stdout.write(`(e) server holds for an argument check, ${how}: ${c.calls} calls (${f(c.calls / c.seconds)} calls/s, no work in this tool, errors ${c.errors}, tool ran ${ran} times incl. ${WARMUP_CALLS} warm-up), ${holds.length} server holds (${outcomes}), hold time probe->resume: p50 ${f(pct(holdUs, 50))} us, p99 ${f(pct(holdUs, 99))} us, max ${f(Math.max(...holdUs))} us over ${holdUs.length} steady-state holds; of which kernel->agent wake-up p50 ${f(pct(waitUs, 50))} / p99 ${f(pct(waitUs, 99))} us, judging+rewrite+resume p50 ${f(pct(judgeUs, 50))} / p99 ${f(pct(judgeUs, 99))} us\n`);
      process.stdout.write(`    the first ${warm.length} holds: ${warm.map((h) => f(h.seconds * 1e6)).join(', ')} us\n`);
    }
  } finally {
    try {
      await rig.stop();
    } catch (e) {
      rig.procs.killAll();
      process.stderr.write(`(e) rig stop: ${String(e)}\n`);
    }
    for (const s of spaces) s.remove();
  }
}

/** (g), (h): the official Go MCP SDK client, to the Node server (HTTP/1.1) and to the Go SDK server (HTTP/2). */
async function goClients(): Promise<void> {
  if (!ONLY.includes('g') && !ONLY.includes('h')) return;
  const go = await goBuild(new Processes(), join(REPO, 'test/apps/go-mcp'));
  for (const h2 of [false, true]) {
    if (!ONLY.includes(h2 ? 'h' : 'g')) continue;
    const rig = new ToolRig();
    const server = h2 ? { program: (x: { cert: string; key: string; sideEffects: string }) => [go, 'server', '127.0.0.1:0', x.cert, x.key, x.sideEffects] } : undefined;
    await rig.start([POLICY], { serverEnv: { WORK_MS: '1' }, ...(server ? { server } : {}) });
    try {
      const b = await alternate(rig, 'get_customer', '{"id":1}', { go });
      const what = h2 ? '(h) the Go SDK client to the Go SDK server (HTTP/2 over TLS)' : '(g) (b) with the official Go MCP SDK client (crypto/tls, HTTP/1.1)';
      process.stdout.write(`${what}: ${f(b.u)} calls/s unprotected, ${f(b.p)} protected: ratio ${(b.p / b.u).toFixed(3)}; probe hits per call ${b.hitsPerCall.toFixed(2)}, holds per call ${b.holdsPerCall.toFixed(4)}\n`);
    } finally {
      await rig.stop();
    }
  }
}

async function main(): Promise<void> {
  runAsAgent();
  ensureKernelMounts();
  // (a) rounds alternate without/with ziriz (running and probing a protected node process, the
  // server's own binary), each against a fresh, warmed-up server: drift cancels out.
  const withZ: number[] = [];
  const without: number[] = [];
  for (let r = 0; ONLY.includes('a') && r < ROUNDS; r++) {
    without.push(await helloRound(false));
    withZ.push(await helloRound(true));
  }
  if (ONLY.includes('a')) process.stdout.write(`(a) unprotected HTTPS server, wrk -c16, median of ${ROUNDS} alternating rounds: ${f(median(without))} req/s without ziriz, ${f(median(withZ))} with ziriz probing another node process: ratio ${(median(withZ) / median(without)).toFixed(3)}\n`);

  if (ONLY.includes('b')) {
    const rig = new ToolRig();
    await rig.start([POLICY], { serverEnv: { WORK_MS: '1' } });
    try {
      const b = await alternate(rig, 'get_customer', '{"id":1}');
      process.stdout.write(`(b) allowed tool with ~1 ms of work: ${f(b.u)} calls/s unprotected, ${f(b.p)} protected: ratio ${(b.p / b.u).toFixed(3)}; holds per allowed call ${b.holdsPerCall.toFixed(4)}\n`);
    } finally {
      await rig.stop();
    }
  }

  if (ONLY.includes('f')) {
    const rig = new ToolRig();
    await rig.start([POLICY], { serverEnv: { WORK_MS: '1' } });
    try {
      const b = await alternate(rig, 'get_customer', '{"id":1}', 'python');
      process.stdout.write(`(f) (b) with the official MCP Python SDK client: ${f(b.u)} calls/s unprotected, ${f(b.p)} protected: ratio ${(b.p / b.u).toFixed(3)}; probe hits per call ${b.hitsPerCall.toFixed(2)}, holds per allowed call ${b.holdsPerCall.toFixed(4)}\n`);
    } finally {
      await rig.stop();
    }
  }

  await goClients();

  for (const plaintext of [true, false]) {
    if (!ONLY.includes('c') && (plaintext || !ONLY.includes('d'))) continue;
    const tiny = new ToolRig();
    await tiny.start([POLICY], { plaintextProbes: plaintext });
    try {
      const c = ONLY.includes('c') ? await alternate(tiny, 'get_customer', '{"id":1}') : undefined;
      const us = (rate: number): number => 1e6 / rate;
      if (c) process.stdout.write(`(c) tiny tool, plaintext probes ${plaintext ? 'on' : 'off'}: ${f(us(c.u), 1)} us/call unprotected, ${f(us(c.p), 1)} protected: ${f(us(c.p) - us(c.u), 1)} us added per call; probe hits per call ${c.hitsPerCall.toFixed(2)}, holds per allowed call ${c.holdsPerCall.toFixed(4)}\n`);
      if (plaintext || !ONLY.includes('d')) continue;

      for (const rt of [0, DEFAULT_RT_PRIORITY]) {
        tiny.holdsSeen.length = 0;
        // As the node agent runs: its thread at ZIRIZ_NICE, with and without ZIRIZ_RT_PRIORITY
        // (the server and the client at 0).
        setPriority(DEFAULT_NICE);
        if (rt > 0) realtimeWhileWaiting(rt);
        const blocked = await loop(tiny, true, 'delete_customer', '{"id":2}').finally(() => { stopRealtime(); setPriority(0); });
        // The client's first 20 calls warm up its connection and the agent's judging code (the
        // first blocked call runs it cold); they are reported apart from the steady state.
        const warm = tiny.holdsSeen.slice(0, WARMUP_CALLS);
        const steady = tiny.holdsSeen.slice(WARMUP_CALLS);
        const holdUs = steady.map((h) => h.seconds * 1e6);
        const waitUs = steady.map((h) => h.waitSeconds * 1e6);
        const judgeUs = steady.map((h) => (h.seconds - h.waitSeconds) * 1e6);
        const how = rt > 0 ? `nice ${DEFAULT_NICE} + real-time wait (priority ${rt})` : `nice ${DEFAULT_NICE} only`;
        process.stdout.write(`(d) ${how}: ${blocked.calls} blocked calls (all answered with an error: ${blocked.errors === blocked.calls}), hold time probe->resume: p50 ${f(pct(holdUs, 50))} us, p99 ${f(pct(holdUs, 99))} us, max ${f(Math.max(...holdUs))} us over ${holdUs.length} steady-state holds; of which kernel->agent wake-up p50 ${f(pct(waitUs, 50))} / p99 ${f(pct(waitUs, 99))} us, judging+rewrite+resume p50 ${f(pct(judgeUs, 50))} / p99 ${f(pct(judgeUs, 99))} us\n`);
        process.stdout.write(`    the first ${warm.length} holds: ${warm.map((h) => f(h.seconds * 1e6)).join(', ')} us\n`);
      }
    } finally {
      await tiny.stop();
    }
  }

  if (ONLY.includes('e')) await serverSide();
}

await main();
