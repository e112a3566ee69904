/**
 * Adapts mm's services to the narrow ports devices use.
 * @packageDocumentation
 */
import { GFP_KERNEL, type PhysMem, type RefOwner, type Sanitizer } from '@stackemu/mm';
import type { DmaCheckPort, PhysMemPort } from './mm-port.js';

/** The page owner the DMA engine and drivers allocate kernel memory (queues, pools, bounce buffers) as. */
export const devicesRefOwner: RefOwner = Object.freeze({ refOwnerName: () => 'devices' });

/**
 * Wraps mm's `PhysMem` as a {@link PhysMemPort}: allocations are `GFP_KERNEL` folios owned by
 * {@link devicesRefOwner}, freed with `put_page()`.
 */
export function physMemPort(pm: PhysMem): PhysMemPort {
  return {
    read: (paddr, dst, dstOff, len) => {
      pm.read(paddr, dst, dstOff, len);
    },
    write: (paddr, src, srcOff, len) => {
      pm.write(paddr, src, srcOff, len);
    },
    allocPages: (order) => pm.allocPages(order, GFP_KERNEL, devicesRefOwner),
    freePages: (pfn) => {
      pm.putPage(pfn, devicesRefOwner);
    },
    ramBytes: pm.totalPages * 4096,
  };
}

/** The sanitizer as a {@link DmaCheckPort}, or undefined when it is disabled (no per-page cost then). */
export function dmaCheckPort(san: Sanitizer | undefined): DmaCheckPort | undefined {
  return san !== undefined && san.enabled ? san : undefined;
}
