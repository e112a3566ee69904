/**
 * `struct vm_area_struct` of the model.
 * @internal
 * @packageDocumentation
 */
import type { MmapFile } from '../fs.js';
import { VM_SHARED, VM_WRITE, isCowMapping } from '../vm-flags.js';
import type { AddressSpaceImpl } from './address-space-impl.js';
import type { MmStructImpl } from './mm-struct-impl.js';

/**
 * Models `struct vm_area_struct` (include/linux/mm_types.h).
 */
export class Vma {
  /** `vma->anon_vma != NULL`: some anonymous page was mapped here (fork copies PTEs only then). */
  anonVma = false;

  constructor(
    readonly mm: MmStructImpl,
    public start: number,
    public end: number,
    public flags: number,
    public pgoff: number,
    readonly file: MmapFile | undefined,
    readonly mapping: AddressSpaceImpl | undefined,
  ) {}

  /** Models `vma_is_anonymous()`: no file (shared anonymous memory is shmem, so it has one). */
  get isAnon(): boolean {
    return this.file === undefined;
  }

  /** Models `is_cow_mapping(vma->vm_flags)`. */
  get isCow(): boolean {
    return isCowMapping(this.flags);
  }

  /** Page index in the file of address `addr` (`linear_page_index()`). */
  fileIndex(addr: number): number {
    return (addr - this.start) / 4096 + this.pgoff;
  }

  /** Address of file page `index` in this VMA, or -1 if outside. */
  addrOfIndex(index: number): number {
    const a = this.start + (index - this.pgoff) * 4096;
    return a >= this.start && a < this.end ? a : -1;
  }

  /**
   * Models `vma_wants_writenotify()` (mm/mmap.c) for the cases modelled: a shared writable mapping whose
   * pages must be write-protected so that the first write is seen (`page_mkwrite`, or dirty accounting).
   */
  get wantsWritenotify(): boolean {
    if ((this.flags & (VM_WRITE | VM_SHARED)) !== (VM_WRITE | VM_SHARED)) return false;
    return this.needsDirtyTracking;
  }

  /**
   * Models `vma_needs_dirty_tracking()` (mm/mmap.c): shared, writable, and either `page_mkwrite` or a
   * mapping that can write back (not shmem).
   */
  get needsDirtyTracking(): boolean {
    if ((this.flags & (VM_WRITE | VM_SHARED)) !== (VM_WRITE | VM_SHARED)) return false;
    if (this.file?.vmOps?.pageMkwrite !== undefined) return true;
    return this.mapping !== undefined && !this.mapping.shmem;
  }

  /** A copy for `mm` (fork) or for a split. */
  clone(mm: MmStructImpl): Vma {
    const v = new Vma(mm, this.start, this.end, this.flags, this.pgoff, this.file, this.mapping);
    v.anonVma = this.anonVma;
    return v;
  }
}
