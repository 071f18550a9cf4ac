#!/usr/bin/env node
/**
 * The `ziriz` command line.
 *
 *   ziriz policy test -f policy.yaml [-f ...] (--request '<json>' | --requests file)... [--output json]
 *   ziriz policy validate -f policy.yaml [-f ...]
 *   ziriz policy compile -f policy.yaml [-f ...] [--policy-id N]
 *   ziriz crd         (prints crds/agentpolicies.ziriz.io.yaml)
 *
 * Exit codes: 0 ok; 1 a verdict differed from its expectation; 2 bad usage,
 * unreadable input or an invalid policy (the message names the field).
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ZirizError, errorMessage } from '../errors/ziriz-error.js';
import { CliUsageError } from './errors.js';
import { crdYaml } from './crd-yaml.js';
import { readText } from './load.js';
import { policyCompile, policyValidate } from './policy-info.js';
import { policyTest } from './policy-test.js';
import type { Io } from './policy-test.js';

export const USAGE = `usage:
  ziriz policy test -f FILE [-f FILE...] (--request JSON | --requests FILE)... [--inbound] [--output text|json]
  ziriz policy validate -f FILE [-f FILE...]
  ziriz policy compile -f FILE [-f FILE...] [--policy-id N]
  ziriz crd                      print the AgentPolicy CustomResourceDefinition

A request is JSON such as {"kind":"mcp","tool":"get_customer","arguments":{"id":"42"}}.
A requests file (YAML or JSON) lists cases {name, request, expect: allow|deny|audit, inbound?}.
--inbound (or inbound: true in a case): a call the selected pods receive, judged by their
inbound rules; the request's target is the caller ({ip, namespace, labels}).
Exit codes: 0 ok, 1 unexpected verdict, 2 usage or input error.`;

function parse(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    options: {
      file: { type: 'string', short: 'f', multiple: true },
      request: { type: 'string', short: 'r', multiple: true },
      requests: { type: 'string', multiple: true },
      inbound: { type: 'boolean' },
      output: { type: 'string', short: 'o' },
      'policy-id': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

function dispatch(args: string[], io: Io): number {
  const { values, positionals } = parse(args);
  if (values.help === true) {
    io.out(USAGE);
    return 0;
  }
  const [group, command, ...rest] = positionals;
  if (group === 'crd' && command === undefined) {
    io.out(crdYaml().trimEnd());
    return 0;
  }
  if (group !== 'policy' || command === undefined || rest.length > 0) throw new CliUsageError(USAGE);
  const files = values.file ?? [];
  if (files.length === 0) throw new CliUsageError('at least one -f FILE is needed');
  switch (command) {
    case 'test': {
      const output = values.output ?? 'text';
      if (output !== 'text' && output !== 'json') throw new CliUsageError('--output must be text or json');
      return policyTest({ files, requests: values.request ?? [], requestFiles: values.requests ?? [], json: output === 'json', inbound: values.inbound === true }, io);
    }
    case 'validate':
      return policyValidate(files, io);
    case 'compile': {
      const id = Number(values['policy-id'] ?? '1');
      if (!Number.isInteger(id) || id < 0 || id > 0xffffffff) throw new CliUsageError('--policy-id must be a 32-bit unsigned integer');
      return policyCompile(files, id, io);
    }
    default:
      throw new CliUsageError(`unknown command "policy ${command}"\n${USAGE}`);
  }
}

/** Run the CLI; returns the exit code. Errors are printed, never thrown. */
export function run(args: string[], io: Io): number {
  try {
    return dispatch(args, io);
  } catch (err) {
    io.err(`ziriz: ${err instanceof ZirizError || err instanceof TypeError ? err.message : errorMessage(err)}`);
    return 2;
  }
}

function isMain(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (isMain()) {
  process.exitCode = run(process.argv.slice(2), {
    out: (s) => process.stdout.write(`${s}\n`),
    err: (s) => process.stderr.write(`${s}\n`),
    read: readText,
  });
}
