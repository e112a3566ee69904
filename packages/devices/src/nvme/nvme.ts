/**
 * NVMe protocol constants and on-wire layouts shared by the controller model and the host driver, as the
 * kernel's `include/linux/nvme.h` and QEMU's `include/block/nvme.h` are shared by their host and target sides.
 * Both sides import values only; they never share objects.
 * @packageDocumentation
 */

// ---------------------------------------------------------------------------------------------------------------
// Registers (BAR0)

/** Models `NVME_REG_CAP` (include/linux/nvme.h): Controller Capabilities, 64-bit. */
export const NVME_REG_CAP = 0x0000;
/** Models `NVME_REG_VS`: Version. */
export const NVME_REG_VS = 0x0008;
/** Models `NVME_REG_INTMS`: Interrupt Mask Set. */
export const NVME_REG_INTMS = 0x000c;
/** Models `NVME_REG_INTMC`: Interrupt Mask Clear. */
export const NVME_REG_INTMC = 0x0010;
/** Models `NVME_REG_CC`: Controller Configuration. */
export const NVME_REG_CC = 0x0014;
/** Models `NVME_REG_CSTS`: Controller Status. */
export const NVME_REG_CSTS = 0x001c;
/** Models `NVME_REG_NSSR`: NVM Subsystem Reset. */
export const NVME_REG_NSSR = 0x0020;
/** Models `NVME_REG_AQA`: Admin Queue Attributes. */
export const NVME_REG_AQA = 0x0024;
/** Models `NVME_REG_ASQ`: Admin SQ base address, 64-bit. */
export const NVME_REG_ASQ = 0x0028;
/** Models `NVME_REG_ACQ`: Admin CQ base address, 64-bit. */
export const NVME_REG_ACQ = 0x0030;
/** Models `NVME_REG_CMBLOC`: Controller Memory Buffer location (reads 0: no CMB). */
export const NVME_REG_CMBLOC = 0x0038;
/** Models `NVME_REG_CMBSZ`: Controller Memory Buffer size (reads 0: no CMB). */
export const NVME_REG_CMBSZ = 0x003c;
/** Models `NVME_REG_DBS`: first doorbell register. */
export const NVME_REG_DBS = 0x1000;
/** Models `NVME_NSSR_MAGIC`-style value "NVMe" that starts an NVM subsystem reset. */
export const NVME_SUBSYS_RESET = 0x4e564d65;

/** Models `NVME_CC_ENABLE`. */
export const NVME_CC_ENABLE = 1 << 0;
/** Models `NVME_CC_CSS_NVM` (command set NVM, CC.CSS = 0). */
export const NVME_CC_CSS_NVM = 0 << 4;
/** Models `NVME_CC_MPS_SHIFT`. */
export const NVME_CC_MPS_SHIFT = 7;
/** Models `NVME_CC_AMS_SHIFT`. */
export const NVME_CC_AMS_SHIFT = 11;
/** Models `NVME_CC_SHN_SHIFT`. */
export const NVME_CC_SHN_SHIFT = 14;
/** Models `NVME_CC_SHN_NORMAL`. */
export const NVME_CC_SHN_NORMAL = 1 << 14;
/** Models `NVME_CC_SHN_ABRUPT`. */
export const NVME_CC_SHN_ABRUPT = 2 << 14;
/** Models `NVME_CC_SHN_MASK`. */
export const NVME_CC_SHN_MASK = 3 << 14;
/** Models `NVME_CC_IOSQES_SHIFT`. */
export const NVME_CC_IOSQES_SHIFT = 16;
/** Models `NVME_CC_IOCQES_SHIFT`. */
export const NVME_CC_IOCQES_SHIFT = 20;
/** Models `NVME_NVM_IOSQES`: log2 of the 64-byte SQE. */
export const NVME_NVM_IOSQES = 6;
/** Models `NVME_NVM_IOCQES`: log2 of the 16-byte CQE. */
export const NVME_NVM_IOCQES = 4;
/** Models `NVME_CC_IOSQES`. */
export const NVME_CC_IOSQES = NVME_NVM_IOSQES << NVME_CC_IOSQES_SHIFT;
/** Models `NVME_CC_IOCQES`. */
export const NVME_CC_IOCQES = NVME_NVM_IOCQES << NVME_CC_IOCQES_SHIFT;

/** Models `NVME_CSTS_RDY`. */
export const NVME_CSTS_RDY = 1 << 0;
/** Models `NVME_CSTS_CFS`: controller fatal status. */
export const NVME_CSTS_CFS = 1 << 1;
/** Models `NVME_CSTS_SHST_NORMAL`. */
export const NVME_CSTS_SHST_NORMAL = 0 << 2;
/** Models `NVME_CSTS_SHST_OCCUR`. */
export const NVME_CSTS_SHST_OCCUR = 1 << 2;
/** Models `NVME_CSTS_SHST_CMPLT`. */
export const NVME_CSTS_SHST_CMPLT = 2 << 2;
/** Models `NVME_CSTS_SHST_MASK`. */
export const NVME_CSTS_SHST_MASK = 3 << 2;
/** Models `NVME_CSTS_NSSRO`: NVM subsystem reset occurred (write 1 to clear). */
export const NVME_CSTS_NSSRO = 1 << 4;

/** Models `NVME_CAP_MQES(cap)` on the low dword of CAP: maximum queue entries, 0-based. */
export function nvmeCapMqes(capLo: number): number {
  return capLo & 0xffff;
}
/** Models `NVME_CAP_TIMEOUT(cap)` on the low dword: ready timeout in 500 ms units. */
export function nvmeCapTimeout(capLo: number): number {
  return (capLo >>> 24) & 0xff;
}
/** Models `NVME_CAP_STRIDE(cap)` on the high dword: doorbell stride exponent (stride = 4 << DSTRD bytes). */
export function nvmeCapStride(capHi: number): number {
  return capHi & 0xf;
}
/** Models `NVME_CAP_NSSRC(cap)` on the high dword. */
export function nvmeCapNssrc(capHi: number): number {
  return (capHi >>> 4) & 0x1;
}
/** Models `NVME_CAP_CSS(cap)` on the high dword. */
export function nvmeCapCss(capHi: number): number {
  return (capHi >>> 5) & 0xff;
}
/** Models `NVME_CAP_MPSMIN(cap)` on the high dword. */
export function nvmeCapMpsmin(capHi: number): number {
  return (capHi >>> 16) & 0xf;
}
/** Models `NVME_CAP_MPSMAX(cap)` on the high dword. */
export function nvmeCapMpsmax(capHi: number): number {
  return (capHi >>> 20) & 0xf;
}
/** CAP.CQR, bit 16 of the low dword: physically contiguous queues required. */
export const NVME_CAP_CQR = 1 << 16;
/** Models `NVME_CAP_CSS_NVM`: the NVM command set bit of CAP.CSS. */
export const NVME_CAP_CSS_NVM = 1 << 0;

/** Models `NVME_AQ_DEPTH` (include/linux/nvme.h): admin queue entries the Linux host uses. */
export const NVME_AQ_DEPTH = 32;
/** Models `NVME_CTRL_PAGE_SHIFT`: the host always uses 4 KiB controller pages. */
export const NVME_CTRL_PAGE_SHIFT = 12;
/** Models `NVME_CTRL_PAGE_SIZE`. */
export const NVME_CTRL_PAGE_SIZE = 1 << NVME_CTRL_PAGE_SHIFT;

// ---------------------------------------------------------------------------------------------------------------
// Opcodes

/** Models `nvme_admin_delete_sq`. */
export const nvme_admin_delete_sq = 0x00;
/** Models `nvme_admin_create_sq`. */
export const nvme_admin_create_sq = 0x01;
/** Models `nvme_admin_get_log_page`. */
export const nvme_admin_get_log_page = 0x02;
/** Models `nvme_admin_delete_cq`. */
export const nvme_admin_delete_cq = 0x04;
/** Models `nvme_admin_create_cq`. */
export const nvme_admin_create_cq = 0x05;
/** Models `nvme_admin_identify`. */
export const nvme_admin_identify = 0x06;
/** Models `nvme_admin_abort_cmd`. */
export const nvme_admin_abort_cmd = 0x08;
/** Models `nvme_admin_set_features`. */
export const nvme_admin_set_features = 0x09;
/** Models `nvme_admin_get_features`. */
export const nvme_admin_get_features = 0x0a;
/** Models `nvme_admin_async_event`. */
export const nvme_admin_async_event = 0x0c;

/** Models `nvme_cmd_flush`. */
export const nvme_cmd_flush = 0x00;
/** Models `nvme_cmd_write`. */
export const nvme_cmd_write = 0x01;
/** Models `nvme_cmd_read`. */
export const nvme_cmd_read = 0x02;
/** Models `nvme_cmd_write_uncor`. */
export const nvme_cmd_write_uncor = 0x04;
/** Models `nvme_cmd_compare`. */
export const nvme_cmd_compare = 0x05;
/** Models `nvme_cmd_write_zeroes`. */
export const nvme_cmd_write_zeroes = 0x08;
/** Models `nvme_cmd_dsm`. */
export const nvme_cmd_dsm = 0x09;

/** Models `NVME_CMD_FUSE_FIRST`/`SECOND` mask: SQE flags bits 1:0. */
export const NVME_CMD_FUSE_MASK = 0x03;
/** Models `NVME_CMD_SGL_METABUF`: PSDT = 01b (SGL, MPTR to a contiguous buffer). */
export const NVME_CMD_SGL_METABUF = 1 << 6;
/** Models `NVME_CMD_SGL_METASEG`: PSDT = 10b (SGL, MPTR to a segment). */
export const NVME_CMD_SGL_METASEG = 1 << 7;
/** Models `NVME_CMD_SGL_ALL`: the PSDT mask in the SQE flags byte. */
export const NVME_CMD_SGL_ALL = NVME_CMD_SGL_METABUF | NVME_CMD_SGL_METASEG;

/** Models `NVME_RW_FUA` (control field, CDW12 bit 30). */
export const NVME_RW_FUA = 1 << 14;
/** Models `NVME_RW_LR` (control field, CDW12 bit 31). */
export const NVME_RW_LR = 1 << 15;
/** Models `NVME_WZ_DEAC` (control field, CDW12 bit 25): deallocate with Write Zeroes. */
export const NVME_WZ_DEAC = 1 << 9;
/** Models `NVME_DSMGMT_IDR`. */
export const NVME_DSMGMT_IDR = 1 << 0;
/** Models `NVME_DSMGMT_IDW`. */
export const NVME_DSMGMT_IDW = 1 << 1;
/** Models `NVME_DSMGMT_AD`: attribute deallocate. */
export const NVME_DSMGMT_AD = 1 << 2;
/** Models `NVME_DSM_MAX_RANGES`: 256 ranges of 16 bytes. */
export const NVME_DSM_MAX_RANGES = 256;

/** Models `NVME_ID_CNS_NS`. */
export const NVME_ID_CNS_NS = 0x00;
/** Models `NVME_ID_CNS_CTRL`. */
export const NVME_ID_CNS_CTRL = 0x01;
/** Models `NVME_ID_CNS_NS_ACTIVE_LIST`. */
export const NVME_ID_CNS_NS_ACTIVE_LIST = 0x02;

/** Models `NVME_FEAT_VOLATILE_WC`. */
export const NVME_FEAT_VOLATILE_WC = 0x06;
/** Models `NVME_FEAT_NUM_QUEUES`. */
export const NVME_FEAT_NUM_QUEUES = 0x07;
/** Models `NVME_FEAT_IRQ_COALESCE`. */
export const NVME_FEAT_IRQ_COALESCE = 0x08;
/** Models `NVME_FEAT_IRQ_CONFIG`. */
export const NVME_FEAT_IRQ_CONFIG = 0x09;

/** Models `NVME_QUEUE_PHYS_CONTIG` (Create I/O SQ/CQ CDW11 bit 0). */
export const NVME_QUEUE_PHYS_CONTIG = 1 << 0;
/** Models `NVME_CQ_IRQ_ENABLED` (Create I/O CQ CDW11 bit 1). */
export const NVME_CQ_IRQ_ENABLED = 1 << 1;
/** Models `NVME_SQ_PRIO_MEDIUM` (Create I/O SQ CDW11 QPRIO). */
export const NVME_SQ_PRIO_MEDIUM = 2 << 1;

/** Models `NVME_CTRL_ONCS_DSM` (Identify Controller ONCS bit 2). */
export const NVME_CTRL_ONCS_DSM = 1 << 2;
/** Models `NVME_CTRL_ONCS_WRITE_ZEROES` (ONCS bit 3). */
export const NVME_CTRL_ONCS_WRITE_ZEROES = 1 << 3;
/** Models `NVME_CTRL_ONCS_WRITE_UNCORRECTABLE` (ONCS bit 1). */
export const NVME_CTRL_ONCS_WRITE_UNCORRECTABLE = 1 << 1;
/** Models `NVME_CTRL_ONCS_COMPARE` (ONCS bit 0). */
export const NVME_CTRL_ONCS_COMPARE = 1 << 0;
/** Models `NVME_CTRL_VWC_PRESENT` (Identify Controller VWC bit 0). */
export const NVME_CTRL_VWC_PRESENT = 1 << 0;
/** Models `NVME_CTRL_SGLS_BYTE_ALIGNED` (SGLS bits 1:0 = 01b: SGLs supported, no alignment requirement). */
export const NVME_CTRL_SGLS_BYTE_ALIGNED = 1;
/** Models `NVME_CTRL_SGLS_MSDS`-free "excess length allowed" bit (SGLS bit 18). */
export const NVME_CTRL_SGLS_EXCESS_LEN = 1 << 18;

// ---------------------------------------------------------------------------------------------------------------
// SGL descriptors

/** Models `NVME_SGL_FMT_DATA_DESC << 4`: SGL Data Block descriptor type. */
export const NVME_SGL_TYPE_DATA_BLOCK = 0x0;
/** SGL Bit Bucket descriptor type (rejected: QEMU reverted its support). */
export const NVME_SGL_TYPE_BIT_BUCKET = 0x1;
/** Models `NVME_SGL_FMT_SEG_DESC`: SGL Segment descriptor type. */
export const NVME_SGL_TYPE_SEGMENT = 0x2;
/** Models `NVME_SGL_FMT_LAST_SEG_DESC`: SGL Last Segment descriptor type. */
export const NVME_SGL_TYPE_LAST_SEGMENT = 0x3;
/** SGL Keyed Data Block descriptor type (fabrics only). */
export const NVME_SGL_TYPE_KEYED_DATA_BLOCK = 0x4;

// ---------------------------------------------------------------------------------------------------------------
// Status codes: SCT << 8 | SC, as in include/linux/nvme.h (6.10+) and QEMU.

/** Models `NVME_SC_SUCCESS`. */
export const NVME_SC_SUCCESS = 0x0;
/** Models `NVME_SC_INVALID_OPCODE`. */
export const NVME_SC_INVALID_OPCODE = 0x1;
/** Models `NVME_SC_INVALID_FIELD`. */
export const NVME_SC_INVALID_FIELD = 0x2;
/** Models `NVME_SC_CMDID_CONFLICT`. */
export const NVME_SC_CMDID_CONFLICT = 0x3;
/** Models `NVME_SC_DATA_XFER_ERROR`. */
export const NVME_SC_DATA_XFER_ERROR = 0x4;
/** Models `NVME_SC_POWER_LOSS`. */
export const NVME_SC_POWER_LOSS = 0x5;
/** Models `NVME_SC_INTERNAL`. */
export const NVME_SC_INTERNAL = 0x6;
/** Models `NVME_SC_ABORT_REQ`. */
export const NVME_SC_ABORT_REQ = 0x7;
/** Models `NVME_SC_ABORT_QUEUE`: aborted due to SQ deletion. */
export const NVME_SC_ABORT_QUEUE = 0x8;
/** Models `NVME_SC_FUSED_FAIL`. */
export const NVME_SC_FUSED_FAIL = 0x9;
/** Models `NVME_SC_FUSED_MISSING`. */
export const NVME_SC_FUSED_MISSING = 0xa;
/** Models `NVME_SC_INVALID_NS`. */
export const NVME_SC_INVALID_NS = 0xb;
/** Models `NVME_SC_CMD_SEQ_ERROR`. */
export const NVME_SC_CMD_SEQ_ERROR = 0xc;
/** Models `NVME_SC_SGL_INVALID_LAST`: Invalid SGL Segment Descriptor. */
export const NVME_SC_SGL_INVALID_LAST = 0xd;
/** Models `NVME_SC_SGL_INVALID_COUNT`: Invalid Number of SGL Descriptors. */
export const NVME_SC_SGL_INVALID_COUNT = 0xe;
/** Models `NVME_SC_SGL_INVALID_DATA`: Data SGL Length Invalid. */
export const NVME_SC_SGL_INVALID_DATA = 0xf;
/** Models `NVME_SC_SGL_INVALID_METADATA`. */
export const NVME_SC_SGL_INVALID_METADATA = 0x10;
/** Models `NVME_SC_SGL_INVALID_TYPE`: SGL Descriptor Type Invalid. */
export const NVME_SC_SGL_INVALID_TYPE = 0x11;
/** Models `NVME_SC_CMB_INVALID_USE`. */
export const NVME_SC_CMB_INVALID_USE = 0x12;
/** Models `NVME_SC_PRP_INVALID_OFFSET`. */
export const NVME_SC_PRP_INVALID_OFFSET = 0x13;
/** Models `NVME_SC_CMD_INTERRUPTED`. */
export const NVME_SC_CMD_INTERRUPTED = 0x21;
/** Models `NVME_SC_LBA_RANGE`. */
export const NVME_SC_LBA_RANGE = 0x80;
/** Models `NVME_SC_CAP_EXCEEDED`. */
export const NVME_SC_CAP_EXCEEDED = 0x81;
/** Models `NVME_SC_NS_NOT_READY`. */
export const NVME_SC_NS_NOT_READY = 0x82;
/** Models `NVME_SC_RESERVATION_CONFLICT`. */
export const NVME_SC_RESERVATION_CONFLICT = 0x83;

/** Models `NVME_SC_CQ_INVALID`. */
export const NVME_SC_CQ_INVALID = 0x100;
/** Models `NVME_SC_QID_INVALID`. */
export const NVME_SC_QID_INVALID = 0x101;
/** Models `NVME_SC_QUEUE_SIZE`. */
export const NVME_SC_QUEUE_SIZE = 0x102;
/** Models `NVME_SC_ABORT_LIMIT`. */
export const NVME_SC_ABORT_LIMIT = 0x103;
/** Models `NVME_SC_ABORT_MISSING`. */
export const NVME_SC_ABORT_MISSING = 0x104;
/** Models `NVME_SC_ASYNC_LIMIT`. */
export const NVME_SC_ASYNC_LIMIT = 0x105;
/** Models `NVME_SC_INVALID_VECTOR`. */
export const NVME_SC_INVALID_VECTOR = 0x108;
/** Models `NVME_SC_INVALID_LOG_PAGE`. */
export const NVME_SC_INVALID_LOG_PAGE = 0x109;
/** Models `NVME_SC_INVALID_QUEUE`: Invalid Queue Deletion. */
export const NVME_SC_INVALID_QUEUE = 0x10c;
/** Models `NVME_SC_FEATURE_NOT_CHANGEABLE`. */
export const NVME_SC_FEATURE_NOT_CHANGEABLE = 0x10e;
/** Models `NVME_SC_BAD_ATTRIBUTES`. */
export const NVME_SC_BAD_ATTRIBUTES = 0x180;
/** Models `NVME_SC_INVALID_PI`. */
export const NVME_SC_INVALID_PI = 0x181;
/** Models `NVME_SC_READ_ONLY`. */
export const NVME_SC_READ_ONLY = 0x182;
/** Models `NVME_SC_ONCS_NOT_SUPPORTED`. */
export const NVME_SC_ONCS_NOT_SUPPORTED = 0x183;

/** Models `NVME_SC_WRITE_FAULT`. */
export const NVME_SC_WRITE_FAULT = 0x280;
/** Models `NVME_SC_READ_ERROR`: Unrecovered Read Error. */
export const NVME_SC_READ_ERROR = 0x281;
/** Models `NVME_SC_GUARD_CHECK`. */
export const NVME_SC_GUARD_CHECK = 0x282;
/** Models `NVME_SC_APPTAG_CHECK`. */
export const NVME_SC_APPTAG_CHECK = 0x283;
/** Models `NVME_SC_REFTAG_CHECK`. */
export const NVME_SC_REFTAG_CHECK = 0x284;
/** Models `NVME_SC_COMPARE_FAILED`. */
export const NVME_SC_COMPARE_FAILED = 0x285;
/** Models `NVME_SC_ACCESS_DENIED`. */
export const NVME_SC_ACCESS_DENIED = 0x286;
/** Models `NVME_SC_UNWRITTEN_BLOCK`. */
export const NVME_SC_UNWRITTEN_BLOCK = 0x287;

/** Models `NVME_SC_HOST_PATH_ERROR`. */
export const NVME_SC_HOST_PATH_ERROR = 0x370;
/** Models `NVME_SC_HOST_ABORTED_CMD`: what `nvme_cancel_request()` completes a request with. */
export const NVME_SC_HOST_ABORTED_CMD = 0x371;

/** Models `NVME_SCT_SC_MASK`: status code type and status code, without CRD/M/DNR. */
export const NVME_SCT_SC_MASK = 0x7ff;
/** Models `NVME_STATUS_CRD`: command retry delay index, bits 12:11. */
export const NVME_STATUS_CRD = 0x1800;
/** Models `NVME_STATUS_MORE`. */
export const NVME_STATUS_MORE = 0x2000;
/** Models `NVME_STATUS_DNR`: do not retry. */
export const NVME_STATUS_DNR = 0x4000;

/** Models `NVME_INT_VECTOR_MAX`-style limit: MSI-X vectors the controller model offers. */
export const NVME_MSIX_VECTORS_DEFAULT = 65;

// ---------------------------------------------------------------------------------------------------------------
// Struct layouts (byte offsets)

/** Models `sizeof(struct nvme_command)`. */
export const NVME_SQE_SIZE = 64;
/** Models `sizeof(struct nvme_completion)`. */
export const NVME_CQE_SIZE = 16;
/** Models `sizeof(struct nvme_sgl_desc)`. */
export const NVME_SGL_DESC_SIZE = 16;
/** Models `sizeof(struct nvme_dsm_range)`. */
export const NVME_DSM_RANGE_SIZE = 16;

/** Byte offsets of `struct nvme_common_command` / `nvme_rw_command` fields inside an SQE. */
export const SQE = Object.freeze({
  /** Byte offset in the SQE of `opcode`. */
  opcode: 0,
  /** Byte offset in the SQE of `flags`. */
  flags: 1,
  /** Byte offset in the SQE of `commandId`. */
  commandId: 2,
  /** Byte offset in the SQE of `nsid`. */
  nsid: 4,
  /** Byte offset in the SQE of `cdw2`. */
  cdw2: 8,
  /** Byte offset in the SQE of `cdw3`. */
  cdw3: 12,
  /** Byte offset in the SQE of `metadata`. */
  metadata: 16,
  /** Byte offset in the SQE of `prp1`. */
  prp1: 24,
  /** Byte offset in the SQE of `prp2`. */
  prp2: 32,
  /** `dptr.sgl` overlays PRP1/PRP2: addr u64 @24, length u32 @32, rsvd[3], type u8 @39. */
  sglAddr: 24,
  /** Byte offset in the SQE of `sglLength`. */
  sglLength: 32,
  /** Byte offset in the SQE of `sglType`. */
  sglType: 39,
  /** Byte offset in the SQE of `cdw10`. */
  cdw10: 40,
  /** Byte offset in the SQE of `cdw11`. */
  cdw11: 44,
  /** Byte offset in the SQE of `cdw12`. */
  cdw12: 48,
  /** Byte offset in the SQE of `cdw13`. */
  cdw13: 52,
  /** Byte offset in the SQE of `cdw14`. */
  cdw14: 56,
  /** Byte offset in the SQE of `cdw15`. */
  cdw15: 60,
  /** `nvme_rw_command.slba` (CDW10–11). */
  slba: 40,
  /** `nvme_rw_command.length` (CDW12 bits 15:0, 0-based block count). */
  length: 48,
  /** `nvme_rw_command.control` (CDW12 bits 31:16). */
  control: 50,
});

/** Byte offsets of `struct nvme_completion` fields inside a CQE. */
export const CQE = Object.freeze({
  /** Byte offset in the CQE of `result` (DW0). */
  result: 0,
  /** Byte offset in the CQE of DW1. */
  result1: 4,
  /** Byte offset in the CQE of `sq_head`. */
  sqHead: 8,
  /** Byte offset in the CQE of `sq_id`. */
  sqId: 10,
  /** Byte offset in the CQE of `command_id`. */
  commandId: 12,
  /** Byte offset in the CQE of `status` (phase in bit 0). */
  status: 14,
});

/** Byte offsets of the Identify Controller fields the emulator fills (`struct nvme_id_ctrl`). */
export const ID_CTRL = Object.freeze({
  /** Byte offset in Identify Controller of `vid`. */
  vid: 0,
  /** Byte offset in Identify Controller of `ssvid`. */
  ssvid: 2,
  /** Byte offset in Identify Controller of `sn`. */
  sn: 4,
  /** Byte offset in Identify Controller of `mn`. */
  mn: 24,
  /** Byte offset in Identify Controller of `fr`. */
  fr: 64,
  /** Byte offset in Identify Controller of `rab`. */
  rab: 72,
  /** Byte offset in Identify Controller of `mdts`. */
  mdts: 77,
  /** Byte offset in Identify Controller of `cntlid`. */
  cntlid: 78,
  /** Byte offset in Identify Controller of `ver`. */
  ver: 80,
  /** Byte offset in Identify Controller of `oacs`. */
  oacs: 256,
  /** Byte offset in Identify Controller of `acl`. */
  acl: 258,
  /** Byte offset in Identify Controller of `aerl`. */
  aerl: 259,
  /** Byte offset in Identify Controller of `sqes`. */
  sqes: 512,
  /** Byte offset in Identify Controller of `cqes`. */
  cqes: 513,
  /** Byte offset in Identify Controller of `nn`. */
  nn: 516,
  /** Byte offset in Identify Controller of `oncs`. */
  oncs: 520,
  /** Byte offset in Identify Controller of `vwc`. */
  vwc: 525,
  /** Byte offset in Identify Controller of `sgls`. */
  sgls: 536,
});

/** Byte offsets of the Identify Namespace fields the emulator fills (`struct nvme_id_ns`). */
export const ID_NS = Object.freeze({
  /** Byte offset in Identify Namespace of `nsze`. */
  nsze: 0,
  /** Byte offset in Identify Namespace of `ncap`. */
  ncap: 8,
  /** Byte offset in Identify Namespace of `nuse`. */
  nuse: 16,
  /** Byte offset in Identify Namespace of `nsfeat`. */
  nsfeat: 24,
  /** Byte offset in Identify Namespace of `nlbaf`. */
  nlbaf: 25,
  /** Byte offset in Identify Namespace of `flbas`. */
  flbas: 26,
  /** Byte offset in Identify Namespace of `dlfeat`. */
  dlfeat: 33,
  /** Byte offset in Identify Namespace of `lbaf`. */
  lbaf: 128,
});

/** Reads a little-endian u64 that must fit a JS safe integer (addresses, LBAs); returns `NaN` if it does not. */
export function getU64(view: DataView, off: number): number {
  const lo = view.getUint32(off, true);
  const hi = view.getUint32(off + 4, true);
  if (hi >= 0x200000) return NaN;
  return hi * 0x100000000 + lo;
}

/** Writes a little-endian u64 from a non-negative safe integer. */
export function setU64(view: DataView, off: number, v: number): void {
  view.setUint32(off, v >>> 0, true);
  view.setUint32(off + 4, Math.floor(v / 0x100000000) >>> 0, true);
}

/** The name of an NVMe status (`NVME_SC_LBA_RANGE`), for logs and test messages. */
export function nvmeStatusName(status: number): string {
  const sc = status & NVME_SCT_SC_MASK;
  const name = STATUS_NAMES.get(sc) ?? `NVME_SC_0x${sc.toString(16)}`;
  return (status & NVME_STATUS_DNR) !== 0 ? `${name}|DNR` : name;
}

const STATUS_NAMES = new Map<number, string>([
  [NVME_SC_SUCCESS, 'NVME_SC_SUCCESS'],
  [NVME_SC_INVALID_OPCODE, 'NVME_SC_INVALID_OPCODE'],
  [NVME_SC_INVALID_FIELD, 'NVME_SC_INVALID_FIELD'],
  [NVME_SC_CMDID_CONFLICT, 'NVME_SC_CMDID_CONFLICT'],
  [NVME_SC_DATA_XFER_ERROR, 'NVME_SC_DATA_XFER_ERROR'],
  [NVME_SC_POWER_LOSS, 'NVME_SC_POWER_LOSS'],
  [NVME_SC_INTERNAL, 'NVME_SC_INTERNAL'],
  [NVME_SC_ABORT_REQ, 'NVME_SC_ABORT_REQ'],
  [NVME_SC_ABORT_QUEUE, 'NVME_SC_ABORT_QUEUE'],
  [NVME_SC_INVALID_NS, 'NVME_SC_INVALID_NS'],
  [NVME_SC_CMD_SEQ_ERROR, 'NVME_SC_CMD_SEQ_ERROR'],
  [NVME_SC_SGL_INVALID_LAST, 'NVME_SC_SGL_INVALID_LAST'],
  [NVME_SC_SGL_INVALID_COUNT, 'NVME_SC_SGL_INVALID_COUNT'],
  [NVME_SC_SGL_INVALID_DATA, 'NVME_SC_SGL_INVALID_DATA'],
  [NVME_SC_SGL_INVALID_TYPE, 'NVME_SC_SGL_INVALID_TYPE'],
  [NVME_SC_PRP_INVALID_OFFSET, 'NVME_SC_PRP_INVALID_OFFSET'],
  [NVME_SC_LBA_RANGE, 'NVME_SC_LBA_RANGE'],
  [NVME_SC_CAP_EXCEEDED, 'NVME_SC_CAP_EXCEEDED'],
  [NVME_SC_NS_NOT_READY, 'NVME_SC_NS_NOT_READY'],
  [NVME_SC_CQ_INVALID, 'NVME_SC_CQ_INVALID'],
  [NVME_SC_QID_INVALID, 'NVME_SC_QID_INVALID'],
  [NVME_SC_QUEUE_SIZE, 'NVME_SC_QUEUE_SIZE'],
  [NVME_SC_ABORT_LIMIT, 'NVME_SC_ABORT_LIMIT'],
  [NVME_SC_ASYNC_LIMIT, 'NVME_SC_ASYNC_LIMIT'],
  [NVME_SC_INVALID_VECTOR, 'NVME_SC_INVALID_VECTOR'],
  [NVME_SC_INVALID_QUEUE, 'NVME_SC_INVALID_QUEUE'],
  [NVME_SC_ONCS_NOT_SUPPORTED, 'NVME_SC_ONCS_NOT_SUPPORTED'],
  [NVME_SC_WRITE_FAULT, 'NVME_SC_WRITE_FAULT'],
  [NVME_SC_READ_ERROR, 'NVME_SC_READ_ERROR'],
  [NVME_SC_COMPARE_FAILED, 'NVME_SC_COMPARE_FAILED'],
  [NVME_SC_ACCESS_DENIED, 'NVME_SC_ACCESS_DENIED'],
  [NVME_SC_HOST_PATH_ERROR, 'NVME_SC_HOST_PATH_ERROR'],
  [NVME_SC_HOST_ABORTED_CMD, 'NVME_SC_HOST_ABORTED_CMD'],
]);
