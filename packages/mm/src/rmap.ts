/**
 * Reverse-map operations on page-cache folios (mm/rmap.c).
 * @packageDocumentation
 */
import type { AddressSpace } from './address-space.js';
import { asImpl } from './internal/as-impl.js';

/**
 * Models `folio_mkclean()` (mm/rmap.c): write-protects and cleans every shared PTE mapping the folio, so the
 * next write through a mapping faults (and calls `page_mkwrite`).
 * @returns how many PTEs were writable or dirty
 */
export function folioMkclean(mapping: AddressSpace, pfn: number): number {
  return asImpl(mapping).mkclean(pfn);
}
