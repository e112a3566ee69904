/**
 * Narrowing of public page-cache handles to the implementation.
 * @internal
 * @packageDocumentation
 */
import { EINVAL, Errno } from '@stackemu/core';
import type { AddressSpace } from '../address-space.js';
import { AddressSpaceImpl } from './address-space-impl.js';

/** The implementation behind an {@link AddressSpace} made by `Mm.createAddressSpace()`. */
export function asImpl(mapping: AddressSpace): AddressSpaceImpl {
  if (!(mapping instanceof AddressSpaceImpl)) {
    throw new Errno(EINVAL, 'mm: not an address space created by Mm.createAddressSpace()');
  }
  return mapping;
}
