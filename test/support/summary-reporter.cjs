// @ts-check
// Mocha reporter: the spec reporter, then the slowest top-level suites (hooks
// included: where a run's time goes), then one plain closing line that CI reads:
//   "N passed, N failed, N skipped"
// The numbers come from this run's runner events, never from a constant.
'use strict';
const Mocha = require('mocha');
const { EVENT_TEST_PASS, EVENT_TEST_FAIL, EVENT_TEST_PENDING, EVENT_RUN_END, EVENT_SUITE_BEGIN, EVENT_SUITE_END } = Mocha.Runner.constants;
const SLOWEST = 15;

class SummaryReporter extends Mocha.reporters.Spec {
  /** @param {Mocha.Runner} runner @param {Mocha.MochaOptions} options */
  constructor(runner, options) {
    super(runner, options);
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    runner.on(EVENT_TEST_PASS, () => { passed += 1; });
    // A failing before/after hook is reported as a failure too (mocha emits 'fail' for hooks).
    runner.on(EVENT_TEST_FAIL, () => { failed += 1; });
    runner.on(EVENT_TEST_PENDING, () => { skipped += 1; });
    /** @type {Map<Mocha.Suite, number>} */
    const began = new Map();
    /** @type {{ title: string, ms: number }[]} */
    const suites = [];
    const topLevel = (/** @type {Mocha.Suite} */ s) => s.parent !== undefined && s.parent.root;
    runner.on(EVENT_SUITE_BEGIN, (s) => { if (topLevel(s)) began.set(s, Date.now()); });
    runner.on(EVENT_SUITE_END, (s) => {
      const t = began.get(s);
      if (t !== undefined) suites.push({ title: s.title, ms: Date.now() - t });
    });
    runner.once(EVENT_RUN_END, () => {
      if (suites.length > 1) {
        const total = suites.reduce((a, x) => a + x.ms, 0);
        process.stdout.write(`\nslowest suites (hooks included; ${(total / 1000).toFixed(0)} s in ${suites.length} suites):\n`);
        for (const x of [...suites].sort((a, b) => b.ms - a.ms).slice(0, SLOWEST)) {
          process.stdout.write(`  ${(x.ms / 1000).toFixed(1).padStart(7)} s  ${x.title.slice(0, 110)}\n`);
        }
      }
      // Registered after the spec reporter's own run-end handler, so this is the last line.
      process.stdout.write(`${passed} passed, ${failed} failed, ${skipped} skipped\n`);
    });
  }
}

module.exports = SummaryReporter;
