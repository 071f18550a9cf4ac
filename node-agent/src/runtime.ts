/**
 * How the node agent's Node.js runs, wherever it runs (the image's entrypoint
 * in hack/images/specs/ziriz-node-agent.sh and node-agent/Dockerfile, the test
 * harness): one list, checked against the image files by a unit test.
 *
 * Memory (hack/bench node-agent-cluster, 110 protected pods): V8 reserves a
 * young generation of up to 64 MB on 64-bit by default, which the agent's
 * short-lived garbage fills and never gives back; 2 MB semi-spaces keep it at
 * 4 MB (more scavenges, each cheap). glibc's per-thread malloc arenas keep
 * freed memory of the addon's buffers; two arenas are enough for one JS
 * thread and libuv's pool. Together: 178 MB -> 144 MB RSS.
 */
export const AGENT_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=2', '--enable-source-maps'];
export const AGENT_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };
