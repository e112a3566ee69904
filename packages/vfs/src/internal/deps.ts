/**
 * The names the vfs uses from `@stackemu/mm` and `@stackemu/block`, gathered in one place.
 * @internal
 * @packageDocumentation
 */
export {
  FOLL_LONGTERM,
  FOLL_WRITE,
  PAGE_SHIFT,
  PAGE_SIZE,
  type AddressSpace,
  type AddressSpaceOperations,
  type Gup,
  type Mm,
  type MmStruct,
  type MmapFile,
  type PhysMem,
  type RefOwner,
  type VmOperationsStruct,
} from '@stackemu/mm';
export {
  ITER_DEST,
  ITER_SOURCE,
  type BioVec,
  type BlkKiocb,
  type BlockDevice,
  type BlockLayer,
  type IovIter,
  type Iovec as BlockIovec,
  type IterDir,
} from '@stackemu/block';
