/**
 * Property (a)'s runner: a stream is judged by the agent's parser and policy
 * in user space and sent, the same writes, to each real server over loopback
 * TCP (the three in parallel, streams one after another so that a ledger's
 * new lines belong to the stream just sent). A risky stream is minimised:
 * its mutation classes are dropped one at a time while it stays risky.
 */
import type { CompiledPolicySet } from '../../core/policy/compiled.js';
import { judgeStream } from './agent-judge.js';
import { isRisk, type Outcome } from './outcome.js';
import type { RealServers, ServerName } from './real-servers.js';
import { render } from './render.js';
import { classesOf, withoutClass, type StreamSpec } from './spec.js';
import { exchange } from './wire.js';
import type { LedgerEntry } from './ledger.js';

export class UserspaceRunner {
  /** Streams sent (minimisation runs included). */
  runs = 0;
  /** Tool executions whose arguments named another stream (a server running a call late). */
  strays = 0;
  /** Exchanges a server neither answered nor closed before the deadline. */
  deadlines = 0;
  private nextId = 1000;

  constructor(private readonly servers: RealServers, private readonly set: CompiledPolicySet) {}

  async run(spec: StreamSpec): Promise<Outcome> {
    const id = this.nextId++;
    const { chunks, requests } = render(spec, id);
    const agent = judgeStream(this.set, chunks);
    const answers = await Promise.all(this.servers.list.map(async (s) => [s.name, await exchange(s.port, chunks, requests)] as const));
    const executed = {} as Record<ServerName, LedgerEntry[]>;
    for (const s of this.servers.list) {
      executed[s.name] = s.ledger.take();
      this.strays += executed[s.name].filter((e) => e.kind === 'tool' && e.arguments?.id !== id).length;
    }
    this.runs++;
    this.deadlines += answers.filter(([, a]) => a.ended === 'deadline').length;
    return { spec, chunks, agent, executed, exchanges: Object.fromEntries(answers) };
  }

  /** Greedy minimisation of a risky outcome (each class tried once). */
  async minimise(o: Outcome): Promise<Outcome> {
    let best = o;
    for (const cls of classesOf(o.spec)) {
      const tried = await this.run(withoutClass(best.spec, cls));
      if (isRisk(this.set, tried)) best = tried;
    }
    return best;
  }
}
