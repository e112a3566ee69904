/**
 * The types fs-iomap uses from `@stackemu/vfs`, `@stackemu/block` and `@stackemu/mm`, in one place.
 *
 * @remarks A private adapter while those packages are written in parallel: each type here is re-exported from
 * its owner as soon as the owner publishes it; the rest follow the owner's contract (docs/contracts.md).
 * @internal
 * @packageDocumentation
 */
export type { Bio, BlockDevice, IovIter, IovMem } from '@stackemu/block';
export type { AddressSpaceOperations, File, Inode, Kiocb } from '@stackemu/vfs';
