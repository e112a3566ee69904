import { expect } from 'chai';
import { num2str } from '@stackemu/fio';

describe('num2str()', () => {
  it('formats as fio 3.33 printed them on this machine', () => {
    expect(num2str(1048576, 4, 1, true, 'byte')).to.equal('1024KiB');
    expect(num2str(1048576, 4, 1, false, 'byte')).to.equal('1049kB');
    expect(num2str(4096, 4, 1, true, 'byte')).to.equal('4096B');
    expect(num2str(37449142, 4, 1, true, 'bytepersec')).to.equal('35.7MiB/s');
    expect(num2str(37449142, 4, 1, false, 'bytepersec')).to.equal('37.4MB/s');
    expect(num2str(9142, 4, 1, false, 'none')).to.equal('9142');
    expect(num2str(85333, 4, 1, false, 'none')).to.equal('85.3k');
    expect(num2str(34355, 6, 1, false, 'none')).to.equal('34355');
  });
});
