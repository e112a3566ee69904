/**
 * Decoding a command's SGL data pointer into a scatter list.
 * @packageDocumentation
 */
import { getU64 } from '../nvme.js';
import type { DmaPort } from '../../dma/dma-device.js';
import {
  NVME_SC_DATA_XFER_ERROR,
  NVME_SC_INTERNAL,
  NVME_SC_SGL_INVALID_DATA,
  NVME_SC_SGL_INVALID_LAST,
  NVME_SC_SGL_INVALID_TYPE,
  NVME_SGL_DESC_SIZE,
  NVME_SGL_TYPE_DATA_BLOCK,
  NVME_SGL_TYPE_LAST_SEGMENT,
  NVME_SGL_TYPE_SEGMENT,
  NVME_STATUS_DNR,
} from '../nvme.js';
import { NVME_MAX_MAPPED_SEGMENTS } from './prp.js';
import type { NvmeRequest } from './queue.js';

/**
 * Models `nvme_map_sgl()` / `nvme_map_sgl_data()` (QEMU hw/nvme/ctrl.c). The DPTR holds one descriptor: a Data
 * Block maps directly; a Segment or Last Segment points to an array of descriptors (length a non-zero multiple of
 * 16) that ends with data (done) or, for a Segment, with a pointer to the next segment. Bit Bucket and Keyed Data
 * Block descriptors are rejected (QEMU reverted Bit Bucket support).
 *
 * @param port - DMA port for reading segments
 * @param seg - scratch buffer for descriptors (≥ 4 KiB)
 * @param req - receives the scatter list
 * @param dptr - the 16-byte DPTR descriptor (a view on the SQE at byte `dptrOff`)
 * @param len - transfer length
 * @param excessAllowed - Identify SGLS "excess length allowed"
 * @returns 0; `NVME_SC_SGL_INVALID_LAST|DNR` for a bad segment (length not a non-zero multiple of 16, or a Last
 * Segment ending with a segment pointer); `NVME_SC_SGL_INVALID_TYPE|DNR` for an unsupported descriptor type;
 * `NVME_SC_SGL_INVALID_DATA|DNR` when the SGL describes less (or, without excess allowed, more) than `len`;
 * `NVME_SC_DATA_XFER_ERROR` if a segment cannot be read; `NVME_SC_INTERNAL|DNR` beyond 1024 segments.
 */
export function nvmeMapSgl(
  port: DmaPort,
  seg: Uint8Array,
  segView: DataView,
  req: NvmeRequest,
  dptr: DataView,
  dptrOff: number,
  len: number,
  excessAllowed: boolean,
): number {
  req.sgReset();
  let rem = len;
  let type = dptr.getUint8(dptrOff + 15) >> 4;
  let addr = getU64(dptr, dptrOff);
  let dlen = dptr.getUint32(dptrOff + 8, true);
  const data = (a: number, l: number, t: number): number => {
    if (t !== NVME_SGL_TYPE_DATA_BLOCK) return NVME_SC_SGL_INVALID_TYPE | NVME_STATUS_DNR;
    if (rem === 0) return excessAllowed ? 0 : NVME_SC_SGL_INVALID_DATA | NVME_STATUS_DNR;
    const t2 = Math.min(rem, l);
    if (t2 > 0 && req.sgAdd(a, t2) > NVME_MAX_MAPPED_SEGMENTS) return NVME_SC_INTERNAL | NVME_STATUS_DNR;
    rem -= t2;
    return 0;
  };
  if (type === NVME_SGL_TYPE_DATA_BLOCK) {
    const s = data(addr, dlen, type);
    if (s !== 0) return s;
    return rem === 0 ? 0 : NVME_SC_SGL_INVALID_DATA | NVME_STATUS_DNR;
  }
  if (type !== NVME_SGL_TYPE_SEGMENT && type !== NVME_SGL_TYPE_LAST_SEGMENT) {
    return NVME_SC_SGL_INVALID_TYPE | NVME_STATUS_DNR;
  }
  const maxDesc = Math.floor(seg.length / NVME_SGL_DESC_SIZE);
  for (;;) {
    if (dlen === 0 || dlen % NVME_SGL_DESC_SIZE !== 0) return NVME_SC_SGL_INVALID_LAST | NVME_STATUS_DNR;
    let nsgld = dlen / NVME_SGL_DESC_SIZE;
    const isLast = type === NVME_SGL_TYPE_LAST_SEGMENT;
    // Consume all but the final chunk of a long segment (all of them data descriptors).
    while (nsgld > maxDesc) {
      if (port.dmaRead(addr, seg, 0, maxDesc * NVME_SGL_DESC_SIZE) !== 0) return NVME_SC_DATA_XFER_ERROR;
      for (let i = 0; i < maxDesc; i++) {
        const o = i * NVME_SGL_DESC_SIZE;
        const s = data(getU64(segView, o), segView.getUint32(o + 8, true), segView.getUint8(o + 15) >> 4);
        if (s !== 0) return s;
      }
      nsgld -= maxDesc;
      addr += maxDesc * NVME_SGL_DESC_SIZE;
    }
    if (port.dmaRead(addr, seg, 0, nsgld * NVME_SGL_DESC_SIZE) !== 0) return NVME_SC_DATA_XFER_ERROR;
    const lastOff = (nsgld - 1) * NVME_SGL_DESC_SIZE;
    const lastType = segView.getUint8(lastOff + 15) >> 4;
    const chained = lastType === NVME_SGL_TYPE_SEGMENT || lastType === NVME_SGL_TYPE_LAST_SEGMENT;
    if (chained && isLast) return NVME_SC_SGL_INVALID_LAST | NVME_STATUS_DNR;
    const ndata = chained ? nsgld - 1 : nsgld;
    for (let i = 0; i < ndata; i++) {
      const o = i * NVME_SGL_DESC_SIZE;
      const s = data(getU64(segView, o), segView.getUint32(o + 8, true), segView.getUint8(o + 15) >> 4);
      if (s !== 0) return s;
    }
    if (!chained) break;
    type = lastType;
    addr = getU64(segView, lastOff);
    dlen = segView.getUint32(lastOff + 8, true);
  }
  return rem === 0 ? 0 : NVME_SC_SGL_INVALID_DATA | NVME_STATUS_DNR;
}
