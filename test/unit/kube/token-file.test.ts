import { expect } from 'chai';
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfigError } from '../../../core/kube/lean/errors.js';
import { TokenFile } from '../../../core/kube/lean/token-file.js';

describe('lean client: token file', () => {
  let dir = '';
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'ziriz-token-')); });
  afterEach(() => { rmSync(dir, { recursive: true, force: true }); });

  it('reads the token again after the kubelet swaps the ..data symlink (checked at most once per interval)', () => {
    // The kubelet's atomic writer: token -> ..data/token, ..data -> ..<timestamp>/
    for (const [d, t] of [['..v1', 'first'], ['..v2', 'second']] as const) {
      mkdirSync(join(dir, d));
      writeFileSync(join(dir, d, 'token'), `${t}\n`);
    }
    symlinkSync('..v1', join(dir, '..data'));
    symlinkSync('..data/token', join(dir, 'token'));
    let now = 0;
    const tf = new TokenFile(join(dir, 'token'), 1000, () => now);
    expect(tf.get()).to.equal('first');
    symlinkSync('..v2', join(dir, '..data_tmp'));
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
    now = 500;
    expect(tf.get(), 'not checked again yet').to.equal('first');
    now = 1000;
    expect(tf.get()).to.equal('second');
  });

  it('keeps the last good token while the file is missing or empty mid-rotation', () => {
    let now = 0;
    writeFileSync(join(dir, 'token'), 'good');
    const tf = new TokenFile(join(dir, 'token'), 1, () => now);
    writeFileSync(join(dir, 'token'), '');
    now = 10;
    expect(tf.get()).to.equal('good');
    rmSync(join(dir, 'token'));
    now = 20;
    expect(tf.get()).to.equal('good');
  });

  it('a token file that is missing or empty at start is a KubeConfigError', () => {
    expect(() => new TokenFile(join(dir, 'nope'))).to.throw(KubeConfigError, /cannot read token file/);
    writeFileSync(join(dir, 'empty'), '\n');
    expect(() => new TokenFile(join(dir, 'empty'))).to.throw(KubeConfigError, /token file is empty/);
  });
});
