/** Node agent configuration from the environment; bad values fail at start-up. */
import { ConfigError, envNumber, type Env } from '../../../core/config/env.js';

/** A bad node agent setting (the shared ConfigError, named for what it configures). */
export class AgentConfigError extends ConfigError {}

export interface AgentConfig {
  readonly node: string;
  readonly ownNamespace: string;
  readonly pinRoot: string;
  readonly stateFile: string;
  readonly metricsHost: string;
  readonly metricsPort: number;
  readonly resyncMs: number;
  readonly ringBytes: number;
  /** Probe libc write/send too (plaintext HTTP/MCP); one more probe hit per TLS call. */
  readonly plaintextProbes: boolean;
  /** ZIRIZ_MODE=audit: every AgentPolicy is enforced as if its spec said mode: Audit (report, never block). */
  readonly auditOnly: boolean;
  /**
   * Nice value of the agent's main thread (and the threads it starts): the
   * thread that resumes held calls and protects new pods should get the CPU
   * before the pod start-up work it races (needs CAP_SYS_NICE below 0).
   */
  readonly nice: number;
  /**
   * SCHED_FIFO priority of the main thread while it waits for kernel events
   * (ZIRIZ_RT_PRIORITY, 1-99; 0: off): held calls are resumed without waiting
   * for a running task's time slice to end (needs CAP_SYS_NICE).
   */
  readonly rtPriority: number;
}

function num(env: Env, key: string, def: number, min: number, max: number): number {
  try {
    return envNumber(env, key, def, min, max, true);
  } catch (e: unknown) {
    throw new AgentConfigError(e instanceof Error ? e.message : String(e));
  }
}

/** ZIRIZ_NICE unless set. */
export const DEFAULT_NICE = -10;
/** ZIRIZ_RT_PRIORITY unless set: the lowest real-time priority, above every normal task. */
export const DEFAULT_RT_PRIORITY = 1;

export function parseAgentConfig(env: Env): AgentConfig {
  const node = env.NODE_NAME ?? '';
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(node)) {
    throw new AgentConfigError(`NODE_NAME="${node}": set it to the node's name (fieldRef spec.nodeName)`);
  }
  const ringBytes = num(env, 'ZIRIZ_RING_BYTES', 8 << 20, 1 << 16, 1 << 30);
  if ((ringBytes & (ringBytes - 1)) !== 0) throw new AgentConfigError(`ZIRIZ_RING_BYTES=${ringBytes}: must be a power of two`);
  const mode = env.ZIRIZ_MODE ?? 'enforce';
  if (mode !== 'enforce' && mode !== 'audit') throw new AgentConfigError(`ZIRIZ_MODE=${mode}: expected enforce or audit`);
  return {
    node,
    ownNamespace: env.ZIRIZ_NAMESPACE ?? 'ziriz-system',
    pinRoot: env.ZIRIZ_PIN_ROOT ?? '/sys/fs/bpf/ziriz',
    stateFile: env.ZIRIZ_STATE_FILE ?? '/run/ziriz/tc.json',
    metricsHost: env.ZIRIZ_METRICS_HOST ?? '0.0.0.0',
    metricsPort: num(env, 'ZIRIZ_METRICS_PORT', 9464, 0, 65535),
    resyncMs: num(env, 'ZIRIZ_RESYNC_SECONDS', 10, 1, 3600) * 1000,
    ringBytes,
    plaintextProbes: (env.ZIRIZ_PLAINTEXT_PROBES ?? 'true') !== 'false',
    auditOnly: mode === 'audit',
    nice: num(env, 'ZIRIZ_NICE', DEFAULT_NICE, -20, 19),
    rtPriority: num(env, 'ZIRIZ_RT_PRIORITY', DEFAULT_RT_PRIORITY, 0, 99),
  };
}
