/**
 * Load with `node --import <this file, compiled>`: records the URL of every
 * module the process resolves (ESM and CommonJS, through module.registerHooks)
 * and, at exit, writes them one per line to $ZIRIZ_MODULE_TRACE.
 */
import { writeFileSync } from 'node:fs';
import { registerHooks } from 'node:module';

const out = process.env.ZIRIZ_MODULE_TRACE;
const seen = new Set<string>();

registerHooks({
  resolve(specifier, context, nextResolve) {
    const r = nextResolve(specifier, context);
    seen.add(r.url);
    return r;
  },
});

process.once('exit', () => {
  if (out) writeFileSync(out, [...seen].join('\n') + '\n');
});
