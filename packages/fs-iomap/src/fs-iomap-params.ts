/**
 * The parameter table of the fs-iomap plugin.
 * @packageDocumentation
 */
import { param } from '@stackemu/core';

/**
 * Parameters of the `fs-iomap` plugin.
 * @remarks `converted`: whether iomap's direct-I/O call site (`iomap_dio_bio_iter` →
 * `bio_iov_iter_get_pages`) is declared converted to FOLL_PIN. Converted sites pin when
 * `CONFIG_BLK_USE_PIN_USER_PAGES_FOR_DIO=y` (upstream 6.18 behaviour); unconverted ones take FOLL_GET
 * references.
 */
export const fsIomapParamSpec = {
  /** Whether iomap's direct-I/O call site is declared converted to FOLL_PIN (default true). */
  converted: param.bool(
    true,
    'iomap DIO pins user pages (FOLL_PIN) when CONFIG_BLK_USE_PIN_USER_PAGES_FOR_DIO=y; false: FOLL_GET',
  ),
};
