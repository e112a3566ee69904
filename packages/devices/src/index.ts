/**
 * `@stackemu/devices`: hardware models and their host drivers, meeting only on buses — the NVMe controller and the
 * nvme-pci driver, the DMA engine (IOMMU, swiotlb, dma-debug), virtio (split rings, virtio-blk), null_blk, the
 * ramdisk, media backends, the SSD timing model and fault injection.
 * @packageDocumentation
 */
export * from './bus/pci-link.js';
export * from './dma/dma-direction.js';
export * from './dma/scatterlist.js';
export * from './dma/iommu.js';
export * from './dma/swiotlb.js';
export * from './dma/dma-debug.js';
export * from './dma/dma-device.js';
export * from './dma/mapping.js';
export * from './dma/dmapool.js';
export * from './dma/dma-engine.js';
export * from './media/media-backend.js';
export * from './media/sparse-mem.js';
export * from './media/host-file.js';
export * from './media/volatile-write-cache.js';
export * from './timing/ssd-timing.js';
export * from './nvme/nvme.js';
export * from './nvme/hw/ns.js';
export * from './nvme/hw/queue.js';
export * from './nvme/hw/prp.js';
export * from './nvme/hw/sgl.js';
export * from './nvme/hw/ctrl.js';
export * from './virtio/virtio-config.js';
export * from './virtio/hw/virtqueue.js';
export * from './virtio/hw/virtio-device.js';
export * from './virtio/hw/virtio-blk.js';
export type { PhysMemPort, DmaCheckPort } from './internal/mm-port.js';
export * from './virtio/host/virtio-ring.js';
export * from './virtio/host/virtio-pci-modern.js';
export * from './trace/nvme.js';
export * from './fault/fault-spec.js';
export * from './timing/timing-params.js';
export * from './nvme/host/core.js';
export * from './nvme/host/pci.js';
export * from './nvme/nvme-params.js';
export * from './nvme/nvme-plugin.js';
export * from './dma/dma-module.js';
export { physMemPort, dmaCheckPort, devicesRefOwner } from './internal/mm-adapter.js';
export { settle } from './internal/settle.js';
export * from './virtio/host/virtio-blk.js';
export * from './virtio/virtio-blk-plugin.js';
export * from './null-blk/null-blk.js';
export * from './null-blk/null-blk-plugin.js';
export * from './brd/brd.js';
export * from './brd/ramdisk-plugin.js';
