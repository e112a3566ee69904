import { expect } from 'chai';
import {
  E2BIG,
  EAGAIN,
  EDEADLK,
  EDEADLOCK,
  EFAULT,
  EHWPOISON,
  EINVAL,
  EIO,
  EIOCBQUEUED,
  ENOMEM,
  ENOSPC,
  ENOTSUPP,
  EOPNOTSUPP,
  EPERM,
  ERANGE,
  ERESTARTSYS,
  ESRCH,
  ESTALE,
  EWOULDBLOCK,
  Errno,
  errnoByName,
  errnoName,
  isErrValue,
  strerror,
} from '@stackemu/core';

describe('errno values', () => {
  it('have the Linux numbers', () => {
    expect([EPERM, EIO, ENOMEM, EFAULT, EINVAL, ENOSPC, ERANGE]).to.deep.equal([1, 5, 12, 14, 22, 28, 34]);
    expect([EDEADLK, EOPNOTSUPP, ESTALE, EHWPOISON]).to.deep.equal([35, 95, 116, 133]);
    expect([ERESTARTSYS, ENOTSUPP, EIOCBQUEUED]).to.deep.equal([512, 524, 529]);
    expect(EWOULDBLOCK).to.equal(EAGAIN);
    expect(EDEADLOCK).to.equal(EDEADLK);
  });
});

describe('errnoName() / errnoByName()', () => {
  it('map numbers (either sign) to names and back', () => {
    expect(errnoName(22)).to.equal('EINVAL');
    expect(errnoName(-EFAULT)).to.equal('EFAULT');
    expect(errnoName(EAGAIN)).to.equal('EAGAIN');
    expect(errnoName(EIOCBQUEUED)).to.equal('EIOCBQUEUED');
    expect(errnoName(999)).to.equal('E?999');
    expect(errnoByName('EINVAL')).to.equal(22);
    expect(errnoByName('EWOULDBLOCK')).to.equal(11);
    expect(errnoByName('ENOTANERRNO')).to.equal(undefined);
  });

  it('round-trip every number from 1 to 133 and 512 to 531 that has a name', () => {
    let named = 0;
    for (const n of [
      ...Array.from({ length: 133 }, (_, i) => i + 1),
      ...Array.from({ length: 20 }, (_, i) => 512 + i),
    ]) {
      const name = errnoName(n);
      if (name.startsWith('E?')) continue;
      named++;
      expect(errnoByName(name), name).to.equal(n);
    }
    // 41, 58 and 520 have no name in Linux.
    expect(named).to.equal(133 - 2 + 20 - 1);
  });
});

describe('strerror()', () => {
  it('gives glibc’s texts', () => {
    expect(strerror(EIO)).to.equal('Input/output error');
    expect(strerror(-EINVAL)).to.equal('Invalid argument');
    expect(strerror(ESRCH)).to.equal('No such process'); // regression: was "Unknown error 3"
    expect(strerror(E2BIG)).to.equal('Argument list too long');
    expect(strerror(EAGAIN)).to.equal('Resource temporarily unavailable');
    expect(strerror(EOPNOTSUPP)).to.equal('Operation not supported');
    expect(strerror(ESTALE)).to.equal('Stale file handle');
  });

  it('says "Unknown error <n>" for kernel-internal and unknown numbers, as glibc does', () => {
    expect(strerror(ERESTARTSYS)).to.equal('Unknown error 512');
    expect(strerror(ENOTSUPP)).to.equal('Unknown error 524');
    expect(strerror(4000)).to.equal('Unknown error 4000');
  });
});

describe('Errno', () => {
  it('carries the positive number, its name and a subsystem-prefixed message', () => {
    const e = new Errno(-EINVAL, 'nvme: nsid must be unique');
    expect(e).to.be.instanceOf(Error);
    expect(e.name).to.equal('Errno');
    expect(e.errno).to.equal(22);
    expect(e.code).to.equal('EINVAL');
    expect(e.negative).to.equal(-22);
    expect(e.message).to.equal('EINVAL: nvme: nsid must be unique');
    expect(new Errno(EIO).message).to.equal('EIO: Input/output error');
  });

  it('is() matches the class and the value of either sign', () => {
    const e = new Errno(EFAULT);
    expect(Errno.is(e, EFAULT)).to.equal(true);
    expect(Errno.is(e, -EFAULT)).to.equal(true);
    expect(Errno.is(e, EIO)).to.equal(false);
    expect(Errno.is(new Error('EFAULT'), EFAULT)).to.equal(false);
    expect(Errno.is(14, EFAULT)).to.equal(false);
  });
});

describe('isErrValue() (IS_ERR_VALUE)', () => {
  it('is true exactly for -4095..-1', () => {
    expect(isErrValue(-1)).to.equal(true);
    expect(isErrValue(-4095)).to.equal(true);
    expect(isErrValue(-EIOCBQUEUED)).to.equal(true);
    expect(isErrValue(-4096)).to.equal(false);
    expect(isErrValue(0)).to.equal(false);
    expect(isErrValue(4096)).to.equal(false);
  });
});
