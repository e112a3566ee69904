/**
 * Allocation flags (include/linux/gfp_types.h), the subset the page allocator model honours.
 * @packageDocumentation
 */

/** Models `__GFP_MOVABLE` (include/linux/gfp_types.h): the page may be allocated from ZONE_MOVABLE. */
export const __GFP_MOVABLE = 0x08;
/** Models `__GFP_ZERO` (include/linux/gfp_types.h): return zeroed pages (pages here always read as zero until written). */
export const __GFP_ZERO = 0x10000;
/** Models `__GFP_COMP` (include/linux/gfp_types.h): make a compound page (a large folio) for order > 0. */
export const __GFP_COMP = 0x40000;
/** Models `GFP_KERNEL` (include/linux/gfp_types.h): a kernel allocation, from ZONE_NORMAL. */
export const GFP_KERNEL = 0xcc0;
/** Models `GFP_HIGHUSER_MOVABLE` (include/linux/gfp_types.h): user pages, ZONE_MOVABLE first. */
export const GFP_HIGHUSER_MOVABLE = GFP_KERNEL | __GFP_MOVABLE | 0x100000; /* __GFP_HARDWALL */
