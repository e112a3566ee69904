/**
 * virtio constants shared by devices and drivers (include/uapi/linux/virtio_config.h, virtio_ring.h,
 * virtio_blk.h, virtio_ids.h), all little-endian on the wire (VERSION_1 only).
 * @packageDocumentation
 */

/** Models `VIRTIO_CONFIG_S_ACKNOWLEDGE`. */
export const VIRTIO_CONFIG_S_ACKNOWLEDGE = 1;
/** Models `VIRTIO_CONFIG_S_DRIVER`. */
export const VIRTIO_CONFIG_S_DRIVER = 2;
/** Models `VIRTIO_CONFIG_S_DRIVER_OK`. */
export const VIRTIO_CONFIG_S_DRIVER_OK = 4;
/** Models `VIRTIO_CONFIG_S_FEATURES_OK`. */
export const VIRTIO_CONFIG_S_FEATURES_OK = 8;
/** Models `VIRTIO_CONFIG_S_NEEDS_RESET`. */
export const VIRTIO_CONFIG_S_NEEDS_RESET = 0x40;
/** Models `VIRTIO_CONFIG_S_FAILED`. */
export const VIRTIO_CONFIG_S_FAILED = 0x80;

/** Models `VIRTIO_F_NOTIFY_ON_EMPTY` (legacy). */
export const VIRTIO_F_NOTIFY_ON_EMPTY = 24;
/** Models `VIRTIO_F_ANY_LAYOUT` (legacy). */
export const VIRTIO_F_ANY_LAYOUT = 27;
/** Models `VIRTIO_RING_F_INDIRECT_DESC`. */
export const VIRTIO_RING_F_INDIRECT_DESC = 28;
/** Models `VIRTIO_RING_F_EVENT_IDX`. */
export const VIRTIO_RING_F_EVENT_IDX = 29;
/** Models `VIRTIO_F_VERSION_1`. */
export const VIRTIO_F_VERSION_1 = 32;
/** Models `VIRTIO_F_ACCESS_PLATFORM`: device DMA goes through the platform IOMMU/DMA API. */
export const VIRTIO_F_ACCESS_PLATFORM = 33;
/** Models `VIRTIO_F_RING_PACKED` (not offered: split rings only). */
export const VIRTIO_F_RING_PACKED = 34;
/** Models `VIRTIO_F_IN_ORDER`. */
export const VIRTIO_F_IN_ORDER = 35;
/** Models `VIRTIO_F_ORDER_PLATFORM`. */
export const VIRTIO_F_ORDER_PLATFORM = 36;

/** Models `VIRTIO_ID_BLOCK`. */
export const VIRTIO_ID_BLOCK = 2;

/** Models `VRING_DESC_F_NEXT`. */
export const VRING_DESC_F_NEXT = 1;
/** Models `VRING_DESC_F_WRITE`: device-writable. */
export const VRING_DESC_F_WRITE = 2;
/** Models `VRING_DESC_F_INDIRECT`. */
export const VRING_DESC_F_INDIRECT = 4;
/** Models `VRING_USED_F_NO_NOTIFY`: the device asks for no kicks. */
export const VRING_USED_F_NO_NOTIFY = 1;
/** Models `VRING_AVAIL_F_NO_INTERRUPT`: the driver asks for no used-buffer notifications. */
export const VRING_AVAIL_F_NO_INTERRUPT = 1;
/** Size of a split-ring descriptor (`struct vring_desc`). */
export const VRING_DESC_SIZE = 16;
/** Models `VIRTQUEUE_MAX_SIZE` (QEMU) / the spec's 32768 limit. */
export const VIRTQUEUE_MAX_SIZE = 32768;

/** Models `VIRTIO_BLK_F_SIZE_MAX`. */
export const VIRTIO_BLK_F_SIZE_MAX = 1;
/** Models `VIRTIO_BLK_F_SEG_MAX`. */
export const VIRTIO_BLK_F_SEG_MAX = 2;
/** Models `VIRTIO_BLK_F_GEOMETRY`. */
export const VIRTIO_BLK_F_GEOMETRY = 4;
/** Models `VIRTIO_BLK_F_RO`. */
export const VIRTIO_BLK_F_RO = 5;
/** Models `VIRTIO_BLK_F_BLK_SIZE`. */
export const VIRTIO_BLK_F_BLK_SIZE = 6;
/** Models `VIRTIO_BLK_F_FLUSH`. */
export const VIRTIO_BLK_F_FLUSH = 9;
/** Models `VIRTIO_BLK_F_TOPOLOGY`. */
export const VIRTIO_BLK_F_TOPOLOGY = 10;
/** Models `VIRTIO_BLK_F_CONFIG_WCE`. */
export const VIRTIO_BLK_F_CONFIG_WCE = 11;
/** Models `VIRTIO_BLK_F_MQ`. */
export const VIRTIO_BLK_F_MQ = 12;
/** Models `VIRTIO_BLK_F_DISCARD`. */
export const VIRTIO_BLK_F_DISCARD = 13;
/** Models `VIRTIO_BLK_F_WRITE_ZEROES`. */
export const VIRTIO_BLK_F_WRITE_ZEROES = 14;

/** Models `VIRTIO_BLK_T_IN`. */
export const VIRTIO_BLK_T_IN = 0;
/** Models `VIRTIO_BLK_T_OUT`. */
export const VIRTIO_BLK_T_OUT = 1;
/** Models `VIRTIO_BLK_T_FLUSH`. */
export const VIRTIO_BLK_T_FLUSH = 4;
/** Models `VIRTIO_BLK_T_GET_ID`. */
export const VIRTIO_BLK_T_GET_ID = 8;
/** Models `VIRTIO_BLK_T_GET_LIFETIME`. */
export const VIRTIO_BLK_T_GET_LIFETIME = 10;
/** Models `VIRTIO_BLK_T_DISCARD`. */
export const VIRTIO_BLK_T_DISCARD = 11;
/** Models `VIRTIO_BLK_T_WRITE_ZEROES`. */
export const VIRTIO_BLK_T_WRITE_ZEROES = 13;
/** Models `VIRTIO_BLK_T_SECURE_ERASE`. */
export const VIRTIO_BLK_T_SECURE_ERASE = 14;
/** Models `VIRTIO_BLK_S_OK`. */
export const VIRTIO_BLK_S_OK = 0;
/** Models `VIRTIO_BLK_S_IOERR`. */
export const VIRTIO_BLK_S_IOERR = 1;
/** Models `VIRTIO_BLK_S_UNSUPP`. */
export const VIRTIO_BLK_S_UNSUPP = 2;
/** Models `VIRTIO_BLK_ID_BYTES`. */
export const VIRTIO_BLK_ID_BYTES = 20;
/** Models `VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP`. */
export const VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP = 1;
/** Size of `struct virtio_blk_outhdr`. */
export const VIRTIO_BLK_OUTHDR_SIZE = 16;
/** Size of `struct virtio_blk_discard_write_zeroes`. */
export const VIRTIO_BLK_DWZ_SIZE = 16;

/** Byte offsets of `struct virtio_blk_config` fields. */
export const VIRTIO_BLK_CONFIG = Object.freeze({
  /** Byte offset in `struct virtio_blk_config` of `capacity`. */
  capacity: 0,
  /** Byte offset in `struct virtio_blk_config` of `sizeMax`. */
  sizeMax: 8,
  /** Byte offset in `struct virtio_blk_config` of `segMax`. */
  segMax: 12,
  /** Byte offset in `struct virtio_blk_config` of `cylinders`. */
  cylinders: 16,
  /** Byte offset in `struct virtio_blk_config` of `heads`. */
  heads: 18,
  /** Byte offset in `struct virtio_blk_config` of `sectors`. */
  sectors: 19,
  /** Byte offset in `struct virtio_blk_config` of `blkSize`. */
  blkSize: 20,
  /** Byte offset in `struct virtio_blk_config` of `physicalBlockExp`. */
  physicalBlockExp: 24,
  /** Byte offset in `struct virtio_blk_config` of `alignmentOffset`. */
  alignmentOffset: 25,
  /** Byte offset in `struct virtio_blk_config` of `minIoSize`. */
  minIoSize: 26,
  /** Byte offset in `struct virtio_blk_config` of `optIoSize`. */
  optIoSize: 28,
  /** Byte offset in `struct virtio_blk_config` of `wce`. */
  wce: 32,
  /** Byte offset in `struct virtio_blk_config` of `numQueues`. */
  numQueues: 34,
  /** Byte offset in `struct virtio_blk_config` of `maxDiscardSectors`. */
  maxDiscardSectors: 36,
  /** Byte offset in `struct virtio_blk_config` of `maxDiscardSeg`. */
  maxDiscardSeg: 40,
  /** Byte offset in `struct virtio_blk_config` of `discardSectorAlignment`. */
  discardSectorAlignment: 44,
  /** Byte offset in `struct virtio_blk_config` of `maxWriteZeroesSectors`. */
  maxWriteZeroesSectors: 48,
  /** Byte offset in `struct virtio_blk_config` of `maxWriteZeroesSeg`. */
  maxWriteZeroesSeg: 52,
  /** Byte offset in `struct virtio_blk_config` of `writeZeroesMayUnmap`. */
  writeZeroesMayUnmap: 56,
  /** Byte offset in `struct virtio_blk_config` of `size`. */
  size: 60,
});

/**
 * Models `vring_need_event()` (include/uapi/linux/virtio_ring.h): after moving an index from `old` to `newIdx`,
 * notify iff the other side's event index lies in (old, new], all in 16-bit arithmetic.
 */
export function vringNeedEvent(eventIdx: number, newIdx: number, old: number): boolean {
  return ((newIdx - eventIdx - 1) & 0xffff) < ((newIdx - old) & 0xffff);
}

/** Split-ring area sizes (spec VQ-2.1): descriptor table, available ring (with used_event), used ring (with avail_event). */
export function vringSizes(num: number): {
  /** Descriptor table bytes. */
  readonly desc: number;
  /** Available ring bytes. */
  readonly avail: number;
  /** Used ring bytes. */
  readonly used: number;
} {
  return { desc: 16 * num, avail: 6 + 2 * num, used: 6 + 8 * num };
}

/**
 * The virtio-pci modern transport's register layout (`struct virtio_pci_common_cfg` and the regions the
 * device's capabilities point at), as this emulator's virtio-pci function lays out BAR0.
 */
export const VIRTIO_PCI = Object.freeze({
  /** Common configuration region. */
  common: 0x0000,
  /** ISR status byte. */
  isr: 0x1000,
  /** Device-specific configuration. */
  device: 0x2000,
  /** Notification region; queue n is notified at notify + n × notifyOffMultiplier. */
  notify: 0x3000,
  /** `notify_off_multiplier`. */
  notifyOffMultiplier: 4,
  // struct virtio_pci_common_cfg
  /** BAR offset or value of `deviceFeatureSelect`. */
  deviceFeatureSelect: 0x00,
  /** BAR offset or value of `deviceFeature`. */
  deviceFeature: 0x04,
  /** BAR offset or value of `driverFeatureSelect`. */
  driverFeatureSelect: 0x08,
  /** BAR offset or value of `driverFeature`. */
  driverFeature: 0x0c,
  /** BAR offset or value of `msixConfig`. */
  msixConfig: 0x10,
  /** BAR offset or value of `numQueues`. */
  numQueues: 0x12,
  /** BAR offset or value of `deviceStatus`. */
  deviceStatus: 0x14,
  /** BAR offset or value of `configGeneration`. */
  configGeneration: 0x15,
  /** BAR offset or value of `queueSelect`. */
  queueSelect: 0x16,
  /** BAR offset or value of `queueSize`. */
  queueSize: 0x18,
  /** BAR offset or value of `queueMsixVector`. */
  queueMsixVector: 0x1a,
  /** BAR offset or value of `queueEnable`. */
  queueEnable: 0x1c,
  /** BAR offset or value of `queueNotifyOff`. */
  queueNotifyOff: 0x1e,
  /** BAR offset or value of `queueDesc`. */
  queueDesc: 0x20,
  /** BAR offset or value of `queueDriver`. */
  queueDriver: 0x28,
  /** BAR offset or value of `queueDevice`. */
  queueDevice: 0x30,
});

/** Models `VIRTIO_MSI_NO_VECTOR`. */
export const VIRTIO_MSI_NO_VECTOR = 0xffff;
