import type { IomapfsDev } from '@stackemu/fs-iomap';

/** A RAM-backed IomapfsDev for format-level unit tests (the integration tests use the real block stack). */
export class MemDev implements IomapfsDev {
  readonly bytes: Uint8Array;
  readonly log: { op: 'read' | 'write' | 'flush'; block: number; count: number }[] = [];
  failWrites = false;

  constructor(
    readonly blockSize: number,
    readonly blocksCount: number,
    shared?: Uint8Array,
  ) {
    this.bytes = shared ?? new Uint8Array(blockSize * blocksCount);
  }

  /** Another view of the same bytes with a different block size. */
  withBlockSize(bs: number): MemDev {
    return new MemDev(bs, this.bytes.length / bs, this.bytes);
  }

  readBlocks(block: number, count: number, dst: Uint8Array): Promise<number> {
    this.log.push({ op: 'read', block, count });
    const off = block * this.blockSize;
    dst.set(this.bytes.subarray(off, off + count * this.blockSize));
    return Promise.resolve(0);
  }

  writeBlocks(block: number, count: number, src: Uint8Array): Promise<number> {
    this.log.push({ op: 'write', block, count });
    if (this.failWrites) return Promise.resolve(-5);
    this.bytes.set(src.subarray(0, count * this.blockSize), block * this.blockSize);
    return Promise.resolve(0);
  }

  flush(): Promise<number> {
    this.log.push({ op: 'flush', block: 0, count: 0 });
    return Promise.resolve(0);
  }
}
