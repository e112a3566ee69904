import { expect } from 'chai';
import fc from 'fast-check';
import { evaluateArithmeticExpression } from '@stackemu/fio';

describe('evaluateArithmeticExpression()', () => {
  it('follows fio precedence: + - < * / < ^ < %, unary minus, parentheses', () => {
    expect(evaluateArithmeticExpression('(1+2*3)', 1, false)?.ival).to.equal(7);
    expect(evaluateArithmeticExpression('(2^10)', 1, false)?.ival).to.equal(1024);
    expect(evaluateArithmeticExpression('(10%3)', 1, false)?.ival).to.equal(1);
    expect(evaluateArithmeticExpression('(-4+10)', 1, false)?.ival).to.equal(6);
    expect(evaluateArithmeticExpression('(7/2)', 1, false)?.ival).to.equal(3);
  });
  it('applies unit suffixes, or the implied unit when none is given', () => {
    expect(evaluateArithmeticExpression('(4k)', 1, false)?.ival).to.equal(4096);
    expect(evaluateArithmeticExpression('(2*1m)', 1, false)?.ival).to.equal(2 * 1048576);
    expect(evaluateArithmeticExpression('(1m)', 1, true)?.ival).to.equal(60_000_000);
    expect(evaluateArithmeticExpression('(3)', 1_000_000, true)?.ival).to.equal(3_000_000);
    expect(evaluateArithmeticExpression('(3ms)', 1_000_000, true)?.ival).to.equal(3000);
  });
  it('rejects division by zero and syntax errors', () => {
    expect(evaluateArithmeticExpression('(1/0)', 1, false)).to.equal(undefined);
    expect(evaluateArithmeticExpression('(1+)', 1, false)).to.equal(undefined);
    expect(evaluateArithmeticExpression('(1 $ 2)', 1, false)).to.equal(undefined);
  });
  it('agrees with integer arithmetic for + and *', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10000 }),
        fc.integer({ min: 0, max: 10000 }),
        fc.integer({ min: 0, max: 100 }),
        (a, b, c) => {
          expect(evaluateArithmeticExpression(`(${a}+${b}*${c})`, 1, false)?.ival).to.equal(a + b * c);
        },
      ),
    );
  });
});
