/**
 * DMA data directions.
 * @packageDocumentation
 */

/** Models `enum dma_data_direction` (include/linux/dma-direction.h). */
export type DmaDataDirection = 0 | 1 | 2 | 3;
/** Models `DMA_BIDIRECTIONAL`: the device may read and write. */
export const DMA_BIDIRECTIONAL = 0;
/** Models `DMA_TO_DEVICE`: the device reads memory (a block write). */
export const DMA_TO_DEVICE = 1;
/** Models `DMA_FROM_DEVICE`: the device writes memory (a block read). */
export const DMA_FROM_DEVICE = 2;
/** Models `DMA_NONE`: debugging only. */
export const DMA_NONE = 3;

/** Models `DMA_MAPPING_ERROR` (`~(dma_addr_t)0`): the value a failed map returns. */
export const DMA_MAPPING_ERROR = -1;

/** The direction's kernel name, for messages. */
export function dmaDirectionName(dir: DmaDataDirection): string {
  return ['DMA_BIDIRECTIONAL', 'DMA_TO_DEVICE', 'DMA_FROM_DEVICE', 'DMA_NONE'][dir] ?? 'DMA_?';
}
