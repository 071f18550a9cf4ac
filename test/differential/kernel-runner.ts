/**
 * Property (b)'s runner: each stream is written by protected processes (one
 * chunk-writer per real server, inside the rig's cgroup) with its exact write
 * boundaries, to the three unprotected real servers at once; the real node
 * agent code judges what the kernel holds. The outcome is what the servers'
 * ledgers show, with the agent's verdicts and hold outcomes meanwhile.
 */
import type { ToolRig } from '../support/tool-rig.js';
import type { LedgerEntry } from './ledger.js';
import type { Outcome } from './outcome.js';
import { ProtectedWriter } from './protected-writer.js';
import type { RealServers, ServerName } from './real-servers.js';
import { render } from './render.js';
import type { StreamSpec } from './spec.js';

export class KernelRunner {
  runs = 0;
  private nextId = 5000;
  private readonly writers = new Map<ServerName, ProtectedWriter>();

  constructor(private readonly rig: ToolRig, private readonly servers: RealServers) {
    for (const s of servers.list) this.writers.set(s.name, new ProtectedWriter(rig));
  }

  /** Writers restarted after the agent killed one (or one stayed stopped). */
  get restarts(): number {
    return [...this.writers.values()].reduce((n, w) => n + w.restarts, 0);
  }

  async run(spec: StreamSpec): Promise<Outcome> {
    const id = this.nextId++;
    const { chunks, requests } = render(spec, id);
    const verdicts = this.rig.verdicts.length;
    const holds = this.rig.holdsSeen.length;
    const answers = await Promise.all(this.servers.list.map(async (s) => {
      const w = this.writers.get(s.name);
      if (!w) throw new Error(`no writer for ${s.name}`);
      return [s.name, await w.send(id, s.port, chunks, requests)] as const;
    }));
    const executed = {} as Record<ServerName, LedgerEntry[]>;
    for (const s of this.servers.list) executed[s.name] = s.ledger.take();
    this.runs++;
    const outcomes = this.rig.holdsSeen.slice(holds).map((h) => h.outcome);
    const kernel = [
      ...this.rig.verdicts.slice(verdicts).map((v) => `${v.verdict} ${v.target}${v.why ? ` (${v.why})` : ''}`),
      ...(outcomes.length > 0 ? [`holds: ${outcomes.join(', ')}`] : []),
      ...answers.filter(([, a]) => a.ended.startsWith('writer')).map(([n, a]) => `${n}: ${a.ended}`),
    ];
    return { spec, chunks, agent: null, executed, exchanges: Object.fromEntries(answers), kernel };
  }

  stop(): void {
    for (const w of this.writers.values()) w.stop();
  }
}
