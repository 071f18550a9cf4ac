import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BEGIN, END, TIERS, coverageCells, renderMatrix, withMatrix } from '../../hack/coverage-matrix.js';
import { REPO } from '../support/kustomize.js';

describe('the coverage matrix of the threat model is the one the tests claim (issue 15, item 8)', () => {
  it('docs/threat-model.md holds the table generated from the covers(...) markers (run hack/coverage-matrix --write)', () => {
    const doc = readFileSync(join(REPO, 'docs/threat-model.md'), 'utf8');
    const table = renderMatrix(TIERS.flatMap((t) => coverageCells(join(REPO, t))));
    expect(doc.slice(doc.indexOf(BEGIN) + BEGIN.length, doc.indexOf(END)).trim()).to.equal(table);
  });

  it('renders a cell per runtime and transport, naming each test once with its notes; unclaimed cells say "not tested"', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ziriz-matrix-'));
    try {
      writeFileSync(join(dir, 'a.test.ts'), "covers('Go (crypto/tls, own syscalls)', 'HTTP/2', 'Go SDK');\ncovers('Go (crypto/tls, own syscalls)', 'HTTP/2', 'curl');");
      writeFileSync(join(dir, 'b.test.ts'), "covers('Go (crypto/tls, own syscalls)', 'HTTP/2', '')");
      writeFileSync(join(dir, 'helper.ts'), "covers('Node (its OpenSSL)', 'HTTP/1.1', 'not a test file')");
      const table = renderMatrix(coverageCells(dir));
      const go = table.split('\n').find((l) => l.startsWith('| Go '));
      expect(go).to.equal('| Go (crypto/tls, own syscalls) | not tested | `a` (Go SDK; curl), `b` | not tested | not tested | not tested | not tested | not tested |');
      expect(table).to.not.include('not a test file');
      writeFileSync(join(dir, 'c.test.ts'), "covers('Rust', 'HTTP/1.1', 'x')");
      expect(() => coverageCells(dir)).to.throw(/c\.test\.ts: covers\('Rust'/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('replaces only the text between the markers, and refuses a document without them', () => {
    expect(withMatrix(`a\n${BEGIN}\nold\n${END}\nb`, 'new')).to.equal(`a\n${BEGIN}\nnew\n${END}\nb`);
    expect(() => withMatrix('no markers', 'x')).to.throw(/no <!-- coverage-matrix:begin/);
  });
});
