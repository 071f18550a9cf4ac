import { expect } from 'chai';
import { ZirizError, errorMessage } from '../../core/errors/ziriz-error.js';

describe('ZirizError', () => {
  it('keeps code, name of the subclass and cause', () => {
    class ExampleFailure extends ZirizError {}
    const cause = new Error('root cause');
    const err = new ExampleFailure('E_EXAMPLE', 'it broke', { cause });
    expect(err.name).to.equal('ExampleFailure');
    expect(err.code).to.equal('E_EXAMPLE');
    expect(err.cause).to.equal(cause);
    expect(err).to.be.instanceOf(Error);
  });

  it('renders non-Error throws', () => {
    expect(errorMessage('plain')).to.equal('plain');
    expect(errorMessage(new Error('x'))).to.equal('x');
  });
});
