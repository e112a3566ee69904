/**
 * Process address spaces: `struct mm_struct` (include/linux/mm_types.h) and the service that creates them.
 * @packageDocumentation
 */
import type { AddressSpace } from './address-space.js';
import type { AddressSpaceOperations, MmapFile } from './fs.js';
import type { RefOwner } from './ref-owner.js';

/** One line of `/proc/<pid>/maps`, as data. */
export interface VmaInfo {
  /** `vm_start`. */
  readonly start: number;
  /** `vm_end` (exclusive). */
  readonly end: number;
  /** `vm_flags` (`VM_*`). */
  readonly flags: number;
  /** `vm_pgoff`. */
  readonly pgoff: number;
  /** The mapped file's page-cache id, or undefined for anonymous memory. */
  readonly mapping?: number;
}

/** One entry of `/proc/<pid>/pagemap` (fs/proc/task_mmu.c), for tests and tools. */
export interface PagemapEntry {
  /** The page mapped at the address (the zero page included). */
  readonly pfn: number;
  /** `PM_PRESENT`. */
  readonly present: true;
  /** The page-table entry is writable. */
  readonly writable: boolean;
  /** The PTE is soft-dirty (`PM_SOFT_DIRTY`). */
  readonly softDirty: boolean;
  /** `PM_MMAP_EXCLUSIVE`: mapped once. */
  readonly mmapExclusive: boolean;
  /** `PageAnonExclusive()` of the page (anonymous pages). */
  readonly anonExclusive: boolean;
  /** Mapped by a PMD (THP). */
  readonly pmdMapped: boolean;
}

/**
 * Models `struct mm_struct` (include/linux/mm_types.h) with the syscalls and helpers acting on it:
 * mm/mmap.c, mm/mprotect.c, mm/madvise.c, mm/memory.c (faults, COW), kernel/fork.c (`dup_mm`),
 * kernel/exit.c (`exit_mm`) and arch uaccess (`copy_to_user`).
 *
 * @remarks An mm is a {@link RefOwner}: GUP calls without an owner attribute their references to it, and
 * `exit()` reports the ones still held (sanitizer `pin_leak`).
 */
export interface MmStruct extends RefOwner {
  /** Unique id within the machine. */
  readonly id: number;
  /** `MMF_HAS_PINNED`: some FOLL_PIN was ever taken on this mm (sticky). */
  readonly hasPinned: boolean;
  /** True after `exit()`. */
  readonly exited: boolean;
  /**
   * Models `ksys_mmap_pgoff()` → `do_mmap()` (mm/mmap.c).
   * @param addr - hint or (with MAP_FIXED) exact address
   * @param len - bytes (rounded up to pages)
   * @param prot - `PROT_*`
   * @param flags - `MAP_*`
   * @param file - the file to map (none for MAP_ANONYMOUS)
   * @param pgoff - offset in the file, in pages
   * @returns the address, or -EINVAL (bad flags, alignment, length 0), -ENOMEM (no room, MAP_HUGETLB with no
   * huge pages reserved), -EEXIST (MAP_FIXED_NOREPLACE over a mapping), -EACCES (shared writable map of a
   * file not open for writing), -EBADF (no file without MAP_ANONYMOUS), -EOVERFLOW (pgoff overflow)
   */
  mmap(addr: number, len: number, prot: number, flags: number, file?: MmapFile, pgoff?: number): number;
  /**
   * Models `__vm_munmap()` (mm/mmap.c).
   * @returns 0, or -EINVAL (unaligned address, zero or huge length)
   */
  munmap(addr: number, len: number): number;
  /**
   * Models `do_mprotect_pkey()` (mm/mprotect.c).
   * @returns 0, or -EINVAL (unaligned, bad prot), -ENOMEM (range not fully mapped), -EACCES (write on a shared
   * map of a read-only file)
   */
  mprotect(addr: number, len: number, prot: number): number;
  /**
   * Models `do_madvise()` (mm/madvise.c) for the advice values the model implements: MADV_NORMAL, RANDOM,
   * SEQUENTIAL, WILLNEED, DONTNEED, DONTNEED_LOCKED, DONTFORK, DOFORK, HUGEPAGE, NOHUGEPAGE, COLD, PAGEOUT,
   * POPULATE_READ, POPULATE_WRITE.
   * @returns 0, or -EINVAL (unaligned, unknown advice, or an advice the kernel configuration lacks: KSM
   * MADV_MERGEABLE), -ENOMEM (range not fully mapped), -EFAULT (POPULATE fault failed)
   * @throws Errno EOPNOTSUPP for an advice the model does not implement (MADV_FREE, REMOVE, COLLAPSE, ...)
   */
  madvise(addr: number, len: number, advice: number): number;
  /**
   * Models `copy_to_user()` (arch/x86 uaccess): a process store or a kernel copy-out, faulting pages in.
   * @returns bytes NOT copied (0 = success); stops at the first address that cannot be written (no VMA, no
   * permission, a file page needing I/O)
   */
  copyToUser(uaddr: number, src: Uint8Array, srcOff: number, len: number): number;
  /**
   * Models `copy_from_user()` (arch/x86 uaccess): a process load or a kernel copy-in, faulting pages in.
   * @returns bytes NOT copied (0 = success)
   */
  copyFromUser(dst: Uint8Array, dstOff: number, uaddr: number, len: number): number;
  /**
   * Models `handle_mm_fault()` (mm/memory.c) as a user access would raise it.
   * @param addr - faulting address
   * @param write - a store (FAULT_FLAG_WRITE)
   * @returns 0, or -EFAULT (no VMA, no permission, SIGBUS), -ENOMEM (OOM), -EAGAIN (the fault started I/O:
   * wait with `faultInReadable`)
   */
  handleMmFault(addr: number, write: boolean): number;
  /**
   * Models `fault_in_readable()` (mm/gup.c), waiting for page-cache I/O the faults start.
   * @returns bytes NOT faulted in (0 = all)
   */
  faultInReadable(uaddr: number, size: number): Promise<number>;
  /**
   * Models `fault_in_writeable()` (mm/gup.c), waiting for page-cache I/O the faults start.
   * @returns bytes NOT faulted in (0 = all)
   */
  faultInWriteable(uaddr: number, size: number): Promise<number>;
  /**
   * Models `dup_mm()` (kernel/fork.c) with `copy_page_range()` (mm/memory.c): the child's address space,
   * anon pages shared COW except possibly-pinned exclusive ones, which are copied at once.
   * @returns the child's mm
   * @throws Errno ENOMEM if a copy cannot be allocated
   */
  fork(): MmStruct;
  /**
   * Models `exit_mmap()` (mm/mmap.c) at process exit: unmaps everything; references still attributed to this
   * mm are reported by the sanitizer (`pin_leak`).
   */
  exit(): void;
  /** Models writing `4` to `/proc/<pid>/clear_refs` (fs/proc/task_mmu.c): clear soft-dirty bits. */
  clearSoftDirty(): void;
  /** Models `/proc/<pid>/maps`: the VMAs, in address order. */
  vmas(): readonly VmaInfo[];
  /** Models `/proc/<pid>/pagemap` for one address. @returns the entry, or undefined if nothing is mapped */
  pagemap(addr: number): PagemapEntry | undefined;
  /** Models `get_mm_rss()` (include/linux/mm.h): resident pages (anon + file + shmem). */
  rss(): number;
}

/** Options of {@link Mm.createAddressSpace}. */
export interface AddressSpaceOptions {
  /** The file size in bytes (`i_size_read()`); faults beyond it get SIGBUS. Default: unbounded. */
  readonly size?: () => number;
  /** A shmem mapping (no writeback; pages are created on fault). */
  readonly shmem?: boolean;
}

/** Service identifier of {@link Mm}. */
export const Mm = Symbol.for('stackemu.Mm');

/**
 * The mm subsystem's factory service: address spaces of processes and of files.
 */
export interface Mm {
  /**
   * Models `mm_alloc()` (kernel/fork.c): a new, empty process address space.
   * @param name - owner name for sanitizer reports (default `mm#<id>`)
   */
  createMm(name?: string): MmStruct;
  /**
   * Models `address_space_init_once()` for a new inode's `i_data` (fs/inode.c).
   * @param ops - the filesystem's `a_ops`
   * @param host - the inode (opaque to mm)
   * @param opts - size callback, shmem
   */
  createAddressSpace(ops: AddressSpaceOperations, host: unknown, opts?: AddressSpaceOptions): AddressSpace;
  /**
   * Models `shmem_file_setup()` (mm/shmem.c), also what `memfd_create()` and MAP_SHARED|MAP_ANONYMOUS use:
   * a shmem file of `size` bytes to `mmap`.
   * @param name - for diagnostics
   * @param size - i_size in bytes (faults beyond it get SIGBUS)
   */
  shmemFileSetup(name: string, size: number): MmapFile;
}
