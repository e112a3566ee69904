/**
 * The `Mm` service: creates process address spaces, page caches and shmem files.
 * @internal
 * @packageDocumentation
 */
import { EINVAL, Errno } from '@stackemu/core';
import type { AddressSpace } from '../address-space.js';
import type { AddressSpaceOperations, MmapFile } from '../fs.js';
import type { AddressSpaceOptions, Mm, MmStruct } from '../mm-struct.js';
import { AddressSpaceImpl } from './address-space-impl.js';
import type { MmCore } from './mm-core.js';
import { MmStructImpl } from './mm-struct-impl.js';
import { shmemAops } from './shmem.js';

/** Implements {@link Mm}. */
export class MmService implements Mm {
  constructor(private readonly core: MmCore) {}

  createMm(name?: string): MmStruct {
    const id = this.core.allocMmId();
    const mm = new MmStructImpl(this.core, id, name ?? `mm#${id}`, (size) => {
      const m = this.newAddressSpace(shmemAops, { name: 'dev/zero' }, { shmem: true, size: () => size });
      m.releaseOnUnmap = true;
      return { mapping: m, shmem: true };
    });
    this.core.mms.set(id, mm);
    return mm;
  }

  createAddressSpace(ops: AddressSpaceOperations, host: unknown, opts: AddressSpaceOptions = {}): AddressSpace {
    return this.newAddressSpace(ops, host, opts);
  }

  private newAddressSpace(ops: AddressSpaceOperations, host: unknown, opts: AddressSpaceOptions): AddressSpaceImpl {
    const o: Partial<AddressSpaceOperations> = ops;
    if (typeof o.readFolio !== 'function' || typeof o.writepages !== 'function') {
      throw new Errno(EINVAL, 'mm: address_space_operations need readFolio and writepages');
    }
    const id = this.core.allocMappingId();
    const m = new AddressSpaceImpl(this.core, id, ops, host, opts.shmem === true, opts.size);
    this.core.mappings.set(id, m);
    return m;
  }

  shmemFileSetup(name: string, size: number): MmapFile {
    if (!Number.isSafeInteger(size) || size < 0)
      throw new Errno(EINVAL, `mm: shmem_file_setup(${name}): bad size ${size}`);
    const mapping = this.createAddressSpace(shmemAops, { name }, { shmem: true, size: () => size });
    return { mapping, shmem: true };
  }
}
