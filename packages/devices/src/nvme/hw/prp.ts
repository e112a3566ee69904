/**
 * Decoding a command's PRP data pointer into a scatter list.
 * @packageDocumentation
 */
import type { DmaPort } from '../../dma/dma-device.js';
import { NVME_SC_DATA_XFER_ERROR, NVME_SC_INTERNAL, NVME_SC_PRP_INVALID_OFFSET, NVME_STATUS_DNR } from '../nvme.js';
import type { NvmeRequest } from './queue.js';

/** Models QEMU's `IOV_MAX` limit on mapped segments of one command. */
export const NVME_MAX_MAPPED_SEGMENTS = 1024;

/**
 * Models `nvme_map_prp()` (QEMU hw/nvme/ctrl.c) with the NVMe base specification's list rules: PRP1 may carry an
 * offset; if the rest fits one page PRP2 is a page-aligned data pointer; otherwise PRP2 points to a PRP list whose
 * first page holds (P − PRP2 mod P)/8 entries, and the last entry of a list page is a pointer to the next list page
 * whenever more than one page of data remains. List pages are read through the DMA port.
 *
 * @param port - the controller's DMA port
 * @param list - scratch buffer of at least one page for list entries
 * @param req - receives the scatter list
 * @param prp1 - PRP entry 1
 * @param prp2 - PRP entry 2
 * @param len - transfer length in bytes
 * @param pageSize - the controller memory page size (CC.MPS)
 * @returns 0, `NVME_SC_PRP_INVALID_OFFSET | DNR` for a misaligned entry or list pointer,
 * `NVME_SC_DATA_XFER_ERROR` (no DNR) if a list page cannot be read, `NVME_SC_INTERNAL | DNR` beyond
 * {@link NVME_MAX_MAPPED_SEGMENTS} segments.
 */
export function nvmeMapPrp(
  port: DmaPort,
  list: Uint8Array,
  listView: DataView,
  req: NvmeRequest,
  prp1: number,
  prp2: number,
  len: number,
  pageSize: number,
): number {
  req.sgReset();
  if (len === 0) return 0;
  if (!(prp1 >= 0) || prp1 % 4 !== 0) return NVME_SC_PRP_INVALID_OFFSET | NVME_STATUS_DNR;
  const first = Math.min(len, pageSize - (prp1 % pageSize));
  req.sgAdd(prp1, first);
  let rem = len - first;
  if (rem === 0) return 0;
  if (!(prp2 >= 0)) return NVME_SC_PRP_INVALID_OFFSET | NVME_STATUS_DNR;
  if (rem <= pageSize) {
    if (prp2 % pageSize !== 0) return NVME_SC_PRP_INVALID_OFFSET | NVME_STATUS_DNR;
    req.sgAdd(prp2, rem);
    return 0;
  }
  if (prp2 % 8 !== 0) return NVME_SC_PRP_INVALID_OFFSET | NVME_STATUS_DNR;
  let listAddr = prp2;
  while (rem > 0) {
    // Entries left on this list page, and how many we need (+1 for a possible chain pointer).
    const onPage = (pageSize - (listAddr % pageSize)) / 8;
    const pagesLeft = Math.ceil(rem / pageSize);
    const n = Math.min(onPage, pagesLeft);
    if (port.dmaRead(listAddr, list, 0, n * 8) !== 0) return NVME_SC_DATA_XFER_ERROR;
    for (let i = 0; i < n; i++) {
      const lo = listView.getUint32(i * 8, true);
      const hi = listView.getUint32(i * 8 + 4, true);
      const ent = hi >= 0x200000 ? NaN : hi * 0x100000000 + lo;
      if (i === onPage - 1 && rem > pageSize) {
        // Last slot of a list page with more than one page to go: the next list page.
        if (!(ent % pageSize === 0)) return NVME_SC_PRP_INVALID_OFFSET | NVME_STATUS_DNR;
        listAddr = ent;
        break;
      }
      if (!(ent % pageSize === 0)) return NVME_SC_PRP_INVALID_OFFSET | NVME_STATUS_DNR;
      const t = Math.min(rem, pageSize);
      if (req.sgAdd(ent, t) > NVME_MAX_MAPPED_SEGMENTS) return NVME_SC_INTERNAL | NVME_STATUS_DNR;
      rem -= t;
      if (i === n - 1 && rem > 0) listAddr += n * 8;
    }
  }
  return 0;
}
