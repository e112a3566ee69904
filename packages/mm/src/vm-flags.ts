/**
 * VMA flags (`VM_*`, include/linux/mm.h), x86-64 values.
 * @packageDocumentation
 */

/** Models `VM_NONE` (include/linux/mm.h). */
export const VM_NONE = 0;
/** Models `VM_READ` (include/linux/mm.h). */
export const VM_READ = 0x1;
/** Models `VM_WRITE` (include/linux/mm.h). */
export const VM_WRITE = 0x2;
/** Models `VM_EXEC` (include/linux/mm.h). */
export const VM_EXEC = 0x4;
/** Models `VM_SHARED` (include/linux/mm.h). */
export const VM_SHARED = 0x8;
/** Models `VM_MAYREAD` (include/linux/mm.h): limits for mprotect() etc. */
export const VM_MAYREAD = 0x10;
/** Models `VM_MAYWRITE` (include/linux/mm.h). */
export const VM_MAYWRITE = 0x20;
/** Models `VM_MAYEXEC` (include/linux/mm.h). */
export const VM_MAYEXEC = 0x40;
/** Models `VM_MAYSHARE` (include/linux/mm.h). */
export const VM_MAYSHARE = 0x80;
/** Models `VM_GROWSDOWN` (include/linux/mm.h): general info on the segment. */
export const VM_GROWSDOWN = 0x100;
/** Models `VM_PFNMAP` (include/linux/mm.h): page-ranges managed without `struct page`, just pure PFN. */
export const VM_PFNMAP = 0x400;
/** Models `VM_LOCKED` (include/linux/mm.h). */
export const VM_LOCKED = 0x2000;
/** Models `VM_IO` (include/linux/mm.h): memory mapped I/O or similar. */
export const VM_IO = 0x4000;
/** Models `VM_SEQ_READ` (include/linux/mm.h): app will access data sequentially. */
export const VM_SEQ_READ = 0x8000;
/** Models `VM_RAND_READ` (include/linux/mm.h): app will not benefit from clustered reads. */
export const VM_RAND_READ = 0x10000;
/** Models `VM_DONTCOPY` (include/linux/mm.h): do not copy this vma on fork. */
export const VM_DONTCOPY = 0x20000;
/** Models `VM_DONTEXPAND` (include/linux/mm.h): cannot expand with mremap(). */
export const VM_DONTEXPAND = 0x40000;
/** Models `VM_ACCOUNT` (include/linux/mm.h): is a VM accounted object. */
export const VM_ACCOUNT = 0x100000;
/** Models `VM_NORESERVE` (include/linux/mm.h): should the VM suppress accounting. */
export const VM_NORESERVE = 0x200000;
/** Models `VM_HUGETLB` (include/linux/mm.h): huge TLB page VM. */
export const VM_HUGETLB = 0x400000;
/** Models `VM_SYNC` (include/linux/mm.h): synchronous page faults. */
export const VM_SYNC = 0x800000;
/** Models `VM_DONTDUMP` (include/linux/mm.h): do not include in the core dump. */
export const VM_DONTDUMP = 0x4000000;
/** Models `VM_SOFTDIRTY` (include/linux/mm.h): not soft-dirty-tracked yet (set on new VMAs). */
export const VM_SOFTDIRTY = 0x8000000;
/** Models `VM_HUGEPAGE` (include/linux/mm.h): MADV_HUGEPAGE marked this vma. */
export const VM_HUGEPAGE = 0x20000000;
/** Models `VM_NOHUGEPAGE` (include/linux/mm.h): MADV_NOHUGEPAGE marked this vma. */
export const VM_NOHUGEPAGE = 0x40000000;

/**
 * Models `is_cow_mapping()` (include/linux/mm.h): private and may be written.
 * @param flags - `vm_flags`
 * @returns true for a COW mapping
 */
export function isCowMapping(flags: number): boolean {
  return (flags & (VM_SHARED | VM_MAYWRITE)) === VM_MAYWRITE;
}
