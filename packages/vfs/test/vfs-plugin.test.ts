import { expect } from 'chai';
import { ContainerModule } from 'inversify';
import { capabilityId, createMachine, createLogger, definePlugin, ParameterError, PluginLifecycleError, Scheduler, VirtualScheduler } from '@stackemu/core';
import { FileSystemTypes, O_CREAT, O_RDWR, Vfs, VfsUpstream, vfsPlugin, type Vfs as VfsT } from '@stackemu/vfs';
import { makeVfs } from './fakes.js';
import { memfsType } from './memfs.js';

/** Stand-ins for mm and block: the capabilities plus the fakes as the vfs's upstream. */
async function stubs(): Promise<ReturnType<typeof definePlugin>[]> {
  const { vfs } = await makeVfs();
  const up = (vfs as unknown as { up: unknown }).up;
  const mm = definePlugin({
    name: 'mm',
    version: '0',
    requires: [],
    provides: ['mm'],
    module: new ContainerModule(({ bind }) => {
      bind(capabilityId('mm')).toConstantValue('mm');
    }),
  });
  const block = definePlugin({
    name: 'block',
    version: '0',
    requires: [],
    provides: ['block'],
    module: new ContainerModule(({ bind, rebind }) => {
      bind(capabilityId('block')).toConstantValue('block');
      void rebind;
    }),
  });
  const fs = definePlugin({
    name: 'memfs',
    version: '0',
    requires: ['vfs'],
    provides: [],
    contributes: ['fs'],
    module: new ContainerModule(({ bind }) => {
      bind(capabilityId('fs')).toConstantValue('memfs');
      bind(FileSystemTypes).toDynamicValue((ctx) => memfsType(ctx.get<Scheduler>(Scheduler)));
    }),
  });
  const upstream = definePlugin({
    name: 'fake-upstream',
    version: '0',
    requires: ['vfs'],
    provides: [],
    module: new ContainerModule(({ rebind }) => {
      rebind(VfsUpstream).toConstantValue(up as never);
    }),
  });
  return [mm, block, fs, upstream] as ReturnType<typeof definePlugin>[];
}

describe('vfsPlugin', () => {
  const log = createLogger({ level: 'silent' });

  it('mounts its `mounts` entries at start, running mkfs first, and unmounts at stop', async () => {
    const cat = [...(await stubs()), vfsPlugin];
    const m = await createMachine(
      {
        plugins: [
          { name: 'mm' },
          { name: 'block' },
          { name: 'fake-upstream' },
          { name: 'memfs' },
          { name: 'vfs', params: { mounts: [{ source: 'mem0', target: '/', fstype: 'memfs', mkfs: true }, { source: 'mem1', target: '/data', fstype: 'memfs' }] } },
        ],
      },
      cat as never,
      { logger: log },
    );
    const vfs = m.get<VfsT>(Vfs);
    expect(vfs.mounts().map((x) => x.target)).to.deep.equal(['/', '/', '/data']);
    const p = vfs.spawn('t');
    expect(await p.sys.open('/data/x', O_CREAT | O_RDWR)).to.equal(0);
    expect(await vfs.umount('/data')).to.equal(-16); // EBUSY: a file is open
    await p.exit();
    expect(await vfs.umount('/data')).to.equal(0);
    await m.stop();
    expect(vfs.mounts().map((x) => x.target)).to.deep.equal(['/']);
    void VirtualScheduler;
  });

  it('rejects malformed mounts and reports a failed mount naming it', async () => {
    const cat = [...(await stubs()), vfsPlugin];
    const base = [{ name: 'mm' }, { name: 'block' }, { name: 'fake-upstream' }, { name: 'memfs' }];
    try {
      await createMachine({ plugins: [...base, { name: 'vfs', params: { mounts: [{ source: 'a', target: 'rel', fstype: 'memfs' }] } }] }, cat as never, { logger: log });
      expect.fail('accepted a relative target');
    } catch (e) {
      expect(e).to.be.instanceOf(ParameterError);
    }
    try {
      await createMachine({ plugins: [...base, { name: 'vfs', params: { mounts: [{ source: 'a', target: '/', fstype: 'nofs' }] } }] }, cat as never, { logger: log });
      expect.fail('mounted an unknown type');
    } catch (e) {
      expect(e).to.be.instanceOf(PluginLifecycleError);
      expect(String((e as Error).message)).to.match(/nofs/);
    }
  });
});
