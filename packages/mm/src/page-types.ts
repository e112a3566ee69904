/**
 * Page and huge-page geometry of x86-64 (arch/x86/include/asm/page_types.h, include/linux/huge_mm.h).
 * @packageDocumentation
 */

/** Models `PAGE_SHIFT` (arch/x86/include/asm/page_types.h): log2 of the base page size. */
export const PAGE_SHIFT = 12;
/** Models `PAGE_SIZE` (arch/x86/include/asm/page_types.h): 4096 bytes. */
export const PAGE_SIZE = 1 << PAGE_SHIFT;
/** Models `PAGE_MASK` (arch/x86/include/asm/page_types.h) as a JS number: `addr - (addr % PAGE_SIZE)` is `addr & PAGE_MASK`. */
export const PAGE_MASK = -PAGE_SIZE;
/** Models `PMD_SHIFT` (arch/x86/include/asm/pgtable_64_types.h): one PMD entry maps 2 MiB. */
export const PMD_SHIFT = 21;
/** Models `PMD_SIZE` (arch/x86/include/asm/pgtable_64_types.h). */
export const PMD_SIZE = 1 << PMD_SHIFT;
/** Models `HPAGE_PMD_ORDER` (include/linux/huge_mm.h): order of a PMD-sized THP (9). */
export const HPAGE_PMD_ORDER = PMD_SHIFT - PAGE_SHIFT;
/** Models `HPAGE_PMD_NR` (include/linux/huge_mm.h): base pages in a PMD-sized THP (512). */
export const HPAGE_PMD_NR = 1 << HPAGE_PMD_ORDER;
/** Models `PTRS_PER_PTE` (arch/x86/include/asm/pgtable_64_types.h). */
export const PTRS_PER_PTE = 512;
/** Models `MAX_PAGE_ORDER` (include/linux/mmzone.h): the largest buddy order (10, 4 MiB). */
export const MAX_PAGE_ORDER = 10;
/** Models `MAX_ORDER_NR_PAGES` (include/linux/mmzone.h). */
export const MAX_ORDER_NR_PAGES = 1 << MAX_PAGE_ORDER;
/** Models `TASK_SIZE_MAX` (arch/x86/include/asm/page_64.h) for 4-level paging: the top of user space. */
export const TASK_SIZE_MAX = 2 ** 47 - PAGE_SIZE;
/** Models `SECTION_SIZE_BITS` (arch/x86/include/asm/sparsemem.h, 64-bit): a memory section is 128 MiB. */
export const SECTION_SIZE_BITS = 27;
/** Models `PFN_SECTION_SHIFT` (include/linux/mmzone.h): pages per section as a shift (15). */
export const PFN_SECTION_SHIFT = SECTION_SIZE_BITS - PAGE_SHIFT;
/** Models `PAGES_PER_SECTION` (include/linux/mmzone.h). */
export const PAGES_PER_SECTION = 1 << PFN_SECTION_SHIFT;

/**
 * Models `PAGE_ALIGN()` (include/linux/mm.h): rounds `addr` up to a page boundary.
 * @param addr - a byte address or length (below 2^53)
 * @returns the aligned value
 */
export function pageAlign(addr: number): number {
  return Math.ceil(addr / PAGE_SIZE) * PAGE_SIZE;
}
