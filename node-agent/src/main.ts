#!/usr/bin/env node
/**
 * ziriz-node-agent command line.
 *   probe            print what this kernel offers (JSON)
 */
import { errorMessage } from '../../core/errors/ziriz-error.js';
import { runProbe } from './probe/probe.js';
import { usableHooks } from './probe/report.js';

const USAGE = `usage: ziriz-node-agent <command>
  probe    report the kernel features ziriz uses, as JSON`;

function main(argv: readonly string[]): number {
  const [cmd] = argv;
  switch (cmd) {
    case 'probe': {
      const report = runProbe();
      process.stdout.write(`${JSON.stringify({ ...report, hooks: usableHooks(report) }, null, 2)}\n`);
      return 0;
    }
    case undefined:
    case '-h':
    case '--help':
      process.stdout.write(`${USAGE}\n`);
      return cmd === undefined ? 2 : 0;
    default:
      process.stderr.write(`unknown command: ${cmd}\n${USAGE}\n`);
      return 2;
  }
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e: unknown) {
  process.stderr.write(`ziriz-node-agent: ${errorMessage(e)}\n`);
  process.exitCode = 1;
}
