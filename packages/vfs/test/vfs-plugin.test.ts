import { expect } from 'chai';
import { createLogger, createMachine, EBUSY, ParameterError, PluginLifecycleError } from '@stackemu/core';
import { IORING_REGISTER_BUFFERS, ioUringParams, O_CREAT, O_RDWR, type File } from '@stackemu/vfs';
import { catalogue, pattern, rig } from './support/machine.js';
import type { MemFile } from './support/memfs.js';

describe('vfsPlugin', () => {
  const log = createLogger({ level: 'silent' });

  it('runs mkfs and mounts its `mounts` entries at start, in virtual time', async () => {
    const r = await rig({
      memfs: { mountNs: 50_000 },
      mounts: [
        { source: 'mem0', target: '/', fstype: 'memfs', mkfs: true },
        { source: 'mem1', target: '/data', fstype: 'memfs', options: 'x=1' },
      ],
    });
    expect(r.vfs.mounts().map((x) => x.target)).to.deep.equal(['/', '/', '/data']);
    expect(r.memfs.mkfsCalls).to.deep.equal(['mem0']);
    expect(r.machine.scheduler.now()).to.equal(150_000); // mkfs + two mounts of 50 µs each
    expect(r.vfs.processes().map((p) => p.comm)).to.deep.equal(['test']); // the mount helper exited
    const fd = await r.run(() => r.p.sys.open('/data/x', O_CREAT | O_RDWR));
    expect(fd).to.equal(0);
    expect(await r.run(() => r.vfs.umount('/data'))).to.equal(-EBUSY); // a file is open
    await r.run(() => r.p.exit());
    expect(await r.run(() => r.vfs.umount('/data'))).to.equal(0);
    await r.machine.stop();
    expect(r.vfs.mounts().map((x) => x.target)).to.deep.equal(['/']);
  });

  it('machine.stop() with a filesystem mounted writes dirty pages back, unmounts, and releases pins', async () => {
    const r = await rig();
    const data = pattern(4, 10_000);
    const src = r.buf(10_000, data);
    const fd = await r.run(() => r.p.sys.open('/keep', O_CREAT | O_RDWR));
    expect(await r.run(() => r.p.sys.pwrite(fd, src, 10_000, 0))).to.equal(10_000);
    const mf = (r.p.sys.file(fd) as File).fInode.iPrivate as MemFile;
    expect(r.vm('nr_dirty')).to.equal(3);
    expect(mf.data.length).to.equal(0);
    const ring = r.p.sys.ioUringSetup(4, ioUringParams());
    expect(r.p.sys.ioUringRegister(ring, IORING_REGISTER_BUFFERS, [{ iovBase: src, iovLen: 8192 }], 1)).to.equal(0);
    expect(r.vm('nr_foll_pin_acquired')).to.equal(2);
    await r.machine.stop();
    expect(r.machine.state).to.equal('stopped');
    expect(r.vfs.processes()).to.deep.equal([]);
    expect(r.p.exited).to.equal(true);
    expect(r.vfs.mounts().map((x) => x.target)).to.deep.equal(['/']);
    expect(r.vm('nr_dirty')).to.equal(0);
    expect(Buffer.from(mf.data.subarray(0, 10_000)).equals(Buffer.from(data))).to.equal(true);
    expect(r.vm('nr_foll_pin_released')).to.equal(2);
    expect(r.sanitizer.findings()).to.deep.equal([]);
  });

  it('rejects malformed mounts and reports a failed mount naming it', async () => {
    const base = [{ name: 'mm' }, { name: 'block' }, { name: 'ramdisk' }, { name: 'memfs' }];
    try {
      await createMachine(
        { plugins: [...base, { name: 'vfs', params: { mounts: [{ source: 'a', target: 'rel', fstype: 'memfs' }] } }] },
        catalogue(),
        { logger: log },
      );
      expect.fail('accepted a relative target');
    } catch (e) {
      expect(e).to.be.instanceOf(ParameterError);
    }
    try {
      await createMachine(
        { plugins: [...base, { name: 'vfs', params: { mounts: [{ source: 'a', target: '/', fstype: 'nofs' }] } }] },
        catalogue(),
        { logger: log },
      );
      expect.fail('mounted an unknown type');
    } catch (e) {
      expect(e).to.be.instanceOf(PluginLifecycleError);
      expect((e as Error).message).to.match(/nofs/);
    }
  });
});
