import { expect } from 'chai';
import { bdevName, blkMqAllocDisk, mkdev, setCapacity, type Gendisk } from '@stackemu/block';
import { EEXIST, ENODEV, Errno } from '@stackemu/core';
import { rig } from './support/machine.js';

describe('BlockDeviceRegistry (add_disk / del_gendisk)', () => {
  it('registers by name, refuses duplicates, notifies, removes', async () => {
    const r = await rig();
    expect(r.blk.registry.lookup('/dev/memdisk0')).to.equal(r.bdev);
    expect(r.bdev.bdDev).to.equal(mkdev(259, 0));
    expect(bdevName(r.bdev)).to.equal('memdisk0');
    const added: string[] = [];
    const sub = r.blk.registry.onDidAddDisk.subscribe((d) => added.push(d.diskName));
    const d2 = blkMqAllocDisk(r.md.set) as Gendisk;
    d2.diskName = 'memdisk0';
    expect(() => {
      r.blk.registry.addDisk(d2);
    }).to.throw(Errno, /already registered/);
    d2.diskName = 'nvme0n1';
    setCapacity(d2, 8);
    r.blk.registry.addDisk(d2);
    expect(added).to.deep.equal(['nvme0n1']);
    expect(r.blk.registry.list().map((b) => b.bdDisk.diskName)).to.deep.equal(['memdisk0', 'nvme0n1']);
    expect(r.blk.registry.lookupDev(d2.part0.bdDev)).to.equal(d2.part0);
    r.blk.registry.delGendisk(d2);
    expect(r.blk.registry.lookup('nvme0n1')).to.equal(undefined);
    try {
      r.blk.registry.delGendisk(d2);
      expect.fail('no error');
    } catch (e) {
      expect(Errno.is(e, ENODEV)).to.equal(true);
    }
    expect(EEXIST).to.equal(17);
    sub.unsubscribe();
    await r.stop();
  });
});
