/**
 * DMA-API debugging: every map must be matched by one unmap with the same address, size, direction and kind.
 * @packageDocumentation
 */
import { dmaDirectionName, type DmaDataDirection } from './dma-direction.js';
import type { Scatterlist } from './scatterlist.js';

/** The kinds of mapping dma-debug tells apart (`dma_debug_type` in kernel/dma/debug.c). */
export type DmaDebugType = 'single' | 'sg' | 'coherent';

/** One error dma-debug reports (the kernel prints these as `DMA-API: <device>: ...` warnings). */
export interface DmaDebugError {
  /** The device. */
  readonly device: string;
  /** What went wrong. */
  readonly kind:
    | 'unmap_not_mapped'
    | 'unmap_wrong_size'
    | 'unmap_wrong_dir'
    | 'unmap_wrong_type'
    | 'unmap_sg_wrong_nents'
    | 'sg_mapped_twice'
    | 'leak';
  /** The kernel's wording. */
  readonly message: string;
}

interface Entry {
  readonly type: DmaDebugType;
  readonly size: number;
  readonly dir: DmaDataDirection;
}

interface SgEntry {
  readonly nents: number;
  readonly dir: DmaDataDirection;
}

const hex = (n: number): string => `0x${n.toString(16).padStart(16, '0')}`;

/**
 * Models `CONFIG_DMA_API_DEBUG` (kernel/dma/debug.c) for one device: `debug_dma_map_page()`,
 * `debug_dma_unmap_page()`, `debug_dma_map_sg()`, `debug_dma_unmap_sg()`, `debug_dma_alloc_coherent()`,
 * `debug_dma_free_coherent()` and the leak check at driver removal.
 */
export class DmaDebug {
  private readonly single = new Map<number, Entry[]>();
  private readonly sgs = new Map<Scatterlist, SgEntry>();
  /** Errors found so far. */
  readonly errors: DmaDebugError[] = [];

  constructor(private readonly device: string) {}

  private err(kind: DmaDebugError['kind'], message: string): void {
    this.errors.push({ device: this.device, kind, message: `DMA-API: ${this.device}: ${message}` });
  }

  /** Records a single or coherent mapping at `addr`. */
  add(type: DmaDebugType, addr: number, size: number, dir: DmaDataDirection): void {
    const l = this.single.get(addr);
    const e: Entry = { type, size, dir };
    if (l === undefined) this.single.set(addr, [e]);
    else l.push(e);
  }

  /** Checks and removes the mapping an unmap/free names. */
  remove(type: DmaDebugType, addr: number, size: number, dir: DmaDataDirection): void {
    const l = this.single.get(addr);
    if (l === undefined || l.length === 0) {
      this.err(
        'unmap_not_mapped',
        `device driver tries to free DMA memory it has not allocated [device address=${hex(addr)}] [size=${size} bytes]`,
      );
      return;
    }
    let i = l.findIndex((e) => e.type === type && e.size === size && e.dir === dir);
    if (i < 0) i = 0;
    const e = l[i] as Entry;
    l.splice(i, 1);
    if (l.length === 0) this.single.delete(addr);
    if (e.type !== type) {
      this.err(
        'unmap_wrong_type',
        `device driver frees DMA memory with wrong function [device address=${hex(addr)}] [size=${size} bytes] [mapped as ${e.type}] [unmapped as ${type}]`,
      );
    }
    if (e.size !== size) {
      this.err(
        'unmap_wrong_size',
        `device driver frees DMA memory with different size [device address=${hex(addr)}] [map size=${e.size} bytes] [unmap size=${size} bytes]`,
      );
    }
    if (type !== 'coherent' && e.dir !== dir) {
      this.err(
        'unmap_wrong_dir',
        `device driver frees DMA memory with different direction [device address=${hex(addr)}] [size=${size} bytes] [mapped with ${dmaDirectionName(e.dir)}] [unmapped with ${dmaDirectionName(dir)}]`,
      );
    }
  }

  /** Records an sg mapping of `nents` entries. */
  addSg(sgl: Scatterlist, nents: number, dir: DmaDataDirection): void {
    if (this.sgs.has(sgl))
      this.err('sg_mapped_twice', 'device driver maps a scatter-gather list that is already mapped');
    this.sgs.set(sgl, { nents, dir });
  }

  /** Checks and removes an sg mapping; `nents` must be the count passed to map, not the count it returned. */
  removeSg(sgl: Scatterlist, nents: number, dir: DmaDataDirection): void {
    const e = this.sgs.get(sgl);
    if (e === undefined) {
      this.err('unmap_not_mapped', 'device driver tries to free DMA memory it has not allocated [scatter-gather list]');
      return;
    }
    this.sgs.delete(sgl);
    if (e.nents !== nents) {
      this.err(
        'unmap_sg_wrong_nents',
        `device driver frees DMA sg list with different entry count [map count=${e.nents}] [unmap count=${nents}]`,
      );
    }
    if (e.dir !== dir) {
      this.err(
        'unmap_wrong_dir',
        `device driver frees DMA sg list with different direction [mapped with ${dmaDirectionName(e.dir)}] [unmapped with ${dmaDirectionName(dir)}]`,
      );
    }
  }

  /** Mappings still live. */
  get live(): number {
    let n = this.sgs.size;
    for (const l of this.single.values()) n += l.length;
    return n;
  }

  /** Models the check at driver unbind: every live mapping is reported as a leak. */
  checkLeaks(): void {
    const n = this.live;
    if (n > 0) this.err('leak', `device driver has pending DMA allocations while released from device [count=${n}]`);
  }
}
