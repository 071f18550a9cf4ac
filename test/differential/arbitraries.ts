/**
 * fast-check generators of stream specs: a payload (an allowed get_customer,
 * a denied delete_customer, a REST request with a small or a bulk limit, or a
 * DELETE), each dimension plain most of the time and mutated now and then
 * (a few mutations per stream), and 0-4 cuts into writes.
 */
import fc from 'fast-check';
import { CUT_MARKERS, DIMENSIONS, MCP_TOOLS, REST_METHODS, type Cut, type Dimension, type Mutations, type Payload, type StreamSpec } from './spec.js';

/** One dimension: its plain option with weight `plainWeight`, any other with weight 1. */
function dimension(options: readonly string[], plainWeight: number): fc.Arbitrary<string> {
  const [plain, ...others] = options;
  if (plain === undefined || others.length === 0) throw new Error('a dimension needs a plain option and at least one mutation');
  return fc.oneof({ arbitrary: fc.constant(plain), weight: plainWeight }, { arbitrary: fc.constantFrom(...others), weight: 1 });
}

const mutations: fc.Arbitrary<Mutations> = fc.record(
  Object.fromEntries(Object.entries(DIMENSIONS).map(([k, options]) => [k, dimension(options, 7)])) as Record<Dimension, fc.Arbitrary<string>>,
) as unknown as fc.Arbitrary<Mutations>;

const payload: fc.Arbitrary<Payload> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('mcp' as const), tool: fc.constantFrom(...MCP_TOOLS) }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('rest' as const), method: fc.constantFrom(...REST_METHODS), big: fc.boolean() }), weight: 1 },
);

const cut: fc.Arbitrary<Cut> = fc.oneof(
  fc.record({ frac: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({ marker: fc.constantFrom(...CUT_MARKERS), delta: fc.integer({ min: 0, max: 8 }) }),
);

export const streamSpec: fc.Arbitrary<StreamSpec> = fc.record({
  payload,
  m: mutations,
  cuts: fc.oneof({ arbitrary: fc.constant([]), weight: 2 }, { arbitrary: fc.array(cut, { minLength: 1, maxLength: 4 }), weight: 3 }),
});

/** `n` specs, the same ones for the same seed. */
export function sampleStreams(n: number, seed: number): StreamSpec[] {
  return fc.sample(streamSpec, { numRuns: n, seed });
}
