/**
 * mmap/mprotect/madvise constants of include/uapi/asm-generic/mman-common.h, mman.h and
 * include/uapi/linux/mman.h (x86-64 values).
 * @packageDocumentation
 */

/** Models `PROT_NONE` (include/uapi/asm-generic/mman-common.h): page can not be accessed. */
export const PROT_NONE = 0x0;
/** Models `PROT_READ` (include/uapi/asm-generic/mman-common.h): page can be read. */
export const PROT_READ = 0x1;
/** Models `PROT_WRITE` (include/uapi/asm-generic/mman-common.h): page can be written. */
export const PROT_WRITE = 0x2;
/** Models `PROT_EXEC` (include/uapi/asm-generic/mman-common.h): page can be executed. */
export const PROT_EXEC = 0x4;
/** Models `PROT_GROWSDOWN` (include/uapi/asm-generic/mman-common.h). */
export const PROT_GROWSDOWN = 0x01000000;
/** Models `PROT_GROWSUP` (include/uapi/asm-generic/mman-common.h). */
export const PROT_GROWSUP = 0x02000000;

/** Models `MAP_SHARED` (include/uapi/linux/mman.h): share changes. */
export const MAP_SHARED = 0x01;
/** Models `MAP_PRIVATE` (include/uapi/linux/mman.h): changes are private. */
export const MAP_PRIVATE = 0x02;
/** Models `MAP_SHARED_VALIDATE` (include/uapi/linux/mman.h): share changes and validate extension flags. */
export const MAP_SHARED_VALIDATE = 0x03;
/** Models `MAP_TYPE` (include/uapi/linux/mman.h): mask for the type of mapping. */
export const MAP_TYPE = 0x0f;
/** Models `MAP_FIXED` (include/uapi/asm-generic/mman-common.h): interpret addr exactly. */
export const MAP_FIXED = 0x10;
/** Models `MAP_ANONYMOUS` (include/uapi/asm-generic/mman-common.h): don't use a file. */
export const MAP_ANONYMOUS = 0x20;
/** Models `MAP_32BIT` (arch/x86/include/uapi/asm/mman.h): only give out 32-bit addresses. */
export const MAP_32BIT = 0x40;
/** Models `MAP_GROWSDOWN` (include/uapi/asm-generic/mman.h): stack-like segment. */
export const MAP_GROWSDOWN = 0x0100;
/** Models `MAP_DENYWRITE` (include/uapi/asm-generic/mman.h): ignored by the kernel. */
export const MAP_DENYWRITE = 0x0800;
/** Models `MAP_EXECUTABLE` (include/uapi/asm-generic/mman.h): ignored by the kernel. */
export const MAP_EXECUTABLE = 0x1000;
/** Models `MAP_LOCKED` (include/uapi/asm-generic/mman.h): pages are locked (and populated). */
export const MAP_LOCKED = 0x2000;
/** Models `MAP_NORESERVE` (include/uapi/asm-generic/mman.h): don't check for reservations. */
export const MAP_NORESERVE = 0x4000;
/** Models `MAP_POPULATE` (include/uapi/asm-generic/mman.h): populate (prefault) page tables. */
export const MAP_POPULATE = 0x8000;
/** Models `MAP_NONBLOCK` (include/uapi/asm-generic/mman.h): do not block on I/O (with MAP_POPULATE). */
export const MAP_NONBLOCK = 0x10000;
/** Models `MAP_STACK` (include/uapi/asm-generic/mman.h): give out an address that is best suited for a stack. */
export const MAP_STACK = 0x20000;
/** Models `MAP_HUGETLB` (include/uapi/asm-generic/mman.h): create a huge page mapping. */
export const MAP_HUGETLB = 0x40000;
/** Models `MAP_SYNC` (include/uapi/asm-generic/mman.h): perform synchronous page faults (DAX). */
export const MAP_SYNC = 0x80000;
/** Models `MAP_FIXED_NOREPLACE` (include/uapi/asm-generic/mman-common.h): MAP_FIXED which doesn't unmap underlying mapping. */
export const MAP_FIXED_NOREPLACE = 0x100000;
/** Models `MAP_UNINITIALIZED` (include/uapi/asm-generic/mman-common.h): for anonymous mmap, memory could be uninitialized. */
export const MAP_UNINITIALIZED = 0x4000000;

/** Models `MADV_NORMAL` (include/uapi/asm-generic/mman-common.h): no further special treatment. */
export const MADV_NORMAL = 0;
/** Models `MADV_RANDOM` (include/uapi/asm-generic/mman-common.h): expect random page references. */
export const MADV_RANDOM = 1;
/** Models `MADV_SEQUENTIAL` (include/uapi/asm-generic/mman-common.h): expect sequential page references. */
export const MADV_SEQUENTIAL = 2;
/** Models `MADV_WILLNEED` (include/uapi/asm-generic/mman-common.h): will need these pages. */
export const MADV_WILLNEED = 3;
/** Models `MADV_DONTNEED` (include/uapi/asm-generic/mman-common.h): don't need these pages. */
export const MADV_DONTNEED = 4;
/** Models `MADV_FREE` (include/uapi/asm-generic/mman-common.h): free pages only if memory pressure. */
export const MADV_FREE = 8;
/** Models `MADV_REMOVE` (include/uapi/asm-generic/mman-common.h): remove these pages and resources. */
export const MADV_REMOVE = 9;
/** Models `MADV_DONTFORK` (include/uapi/asm-generic/mman-common.h): don't inherit across fork. */
export const MADV_DONTFORK = 10;
/** Models `MADV_DOFORK` (include/uapi/asm-generic/mman-common.h): do inherit across fork. */
export const MADV_DOFORK = 11;
/** Models `MADV_MERGEABLE` (include/uapi/asm-generic/mman-common.h): KSM may merge identical pages. */
export const MADV_MERGEABLE = 12;
/** Models `MADV_UNMERGEABLE` (include/uapi/asm-generic/mman-common.h): KSM may not merge identical pages. */
export const MADV_UNMERGEABLE = 13;
/** Models `MADV_HUGEPAGE` (include/uapi/asm-generic/mman-common.h): worth backing with hugepages. */
export const MADV_HUGEPAGE = 14;
/** Models `MADV_NOHUGEPAGE` (include/uapi/asm-generic/mman-common.h): not worth backing with hugepages. */
export const MADV_NOHUGEPAGE = 15;
/** Models `MADV_DONTDUMP` (include/uapi/asm-generic/mman-common.h): explicitly exclude from core dump. */
export const MADV_DONTDUMP = 16;
/** Models `MADV_DODUMP` (include/uapi/asm-generic/mman-common.h): clear the MADV_DONTDUMP flag. */
export const MADV_DODUMP = 17;
/** Models `MADV_WIPEONFORK` (include/uapi/asm-generic/mman-common.h): zero memory on fork, child only. */
export const MADV_WIPEONFORK = 18;
/** Models `MADV_KEEPONFORK` (include/uapi/asm-generic/mman-common.h): undo MADV_WIPEONFORK. */
export const MADV_KEEPONFORK = 19;
/** Models `MADV_COLD` (include/uapi/asm-generic/mman-common.h): deactivate these pages. */
export const MADV_COLD = 20;
/** Models `MADV_PAGEOUT` (include/uapi/asm-generic/mman-common.h): reclaim these pages. */
export const MADV_PAGEOUT = 21;
/** Models `MADV_POPULATE_READ` (include/uapi/asm-generic/mman-common.h): populate (prefault) page tables readable. */
export const MADV_POPULATE_READ = 22;
/** Models `MADV_POPULATE_WRITE` (include/uapi/asm-generic/mman-common.h): populate (prefault) page tables writable. */
export const MADV_POPULATE_WRITE = 23;
/** Models `MADV_DONTNEED_LOCKED` (include/uapi/asm-generic/mman-common.h): like DONTNEED, but drop locked pages too. */
export const MADV_DONTNEED_LOCKED = 24;
/** Models `MADV_COLLAPSE` (include/uapi/asm-generic/mman-common.h): synchronous hugepage collapse. */
export const MADV_COLLAPSE = 25;
