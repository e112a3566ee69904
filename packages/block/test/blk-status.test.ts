import { expect } from 'chai';
import fc from 'fast-check';
import {
  BLK_STS_AGAIN,
  BLK_STS_INVAL,
  BLK_STS_IOERR,
  BLK_STS_MEDIUM,
  BLK_STS_NOTSUPP,
  BLK_STS_OK,
  BLK_STS_RESOURCE,
  blkErrors,
  blkStatusToErrno,
  blkStatusToStr,
  errnoToBlkStatus,
} from '@stackemu/block';
import { EAGAIN, EINVAL, EIO, ENODATA, ENOMEM, EOPNOTSUPP } from '@stackemu/core';

describe('blkStatusToErrno() / errnoToBlkStatus() (blk_errors[])', () => {
  it('maps the kernel table', () => {
    expect(
      [BLK_STS_OK, BLK_STS_NOTSUPP, BLK_STS_MEDIUM, BLK_STS_RESOURCE, BLK_STS_AGAIN, BLK_STS_INVAL, BLK_STS_IOERR].map(
        blkStatusToErrno,
      ),
    ).to.deep.equal([0, -EOPNOTSUPP, -ENODATA, -ENOMEM, -EAGAIN, -EINVAL, -EIO]);
    expect(blkStatusToErrno(200)).to.equal(-EIO);
    expect(errnoToBlkStatus(-EIO)).to.equal(BLK_STS_IOERR);
    expect(errnoToBlkStatus(-12345)).to.equal(BLK_STS_IOERR);
    expect(blkStatusToStr(BLK_STS_MEDIUM)).to.equal('critical medium');
  });

  it('round-trips every status in the table (property)', () => {
    const statuses = blkErrors.flatMap((e, i) => (e === undefined ? [] : [i]));
    fc.assert(
      fc.property(fc.constantFrom(...statuses), (s) => {
        expect(errnoToBlkStatus(blkStatusToErrno(s))).to.equal(s);
      }),
    );
  });
});
