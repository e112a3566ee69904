import { expect } from 'chai';
import { fioCrc32c } from '@stackemu/fio';

describe('fioCrc32c()', () => {
  it('is CRC32C from ~0 without the final inversion (crc32c_sw)', () => {
    const data = new TextEncoder().encode('123456789');
    expect(fioCrc32c(data, 0, data.length)).to.equal(~0xe3069283 >>> 0);
    expect(fioCrc32c(new Uint8Array(0), 0, 0)).to.equal(0xffffffff);
  });
});
