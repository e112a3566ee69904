/**
 * What block uses from `@stackemu/mm`, re-exported in one place.
 * @internal
 * @packageDocumentation
 */
export {
  PAGE_SHIFT,
  PAGE_SIZE,
  FOLL_WRITE,
  FOLL_NOFAULT,
  FOLL_PCI_P2PDMA,
  type RefOwner,
  type MmStruct,
  type PhysMem,
  type Gup,
  type Sanitizer,
} from '@stackemu/mm';
