/**
 * Kernel eras of the Direct-I/O page-reference model: how the block layer acquires and releases user pages.
 * @packageDocumentation
 */

/**
 * Models the `dio_w_*` choice of the Hubbard RFC (include/linux/bvec.h, RFC patch 2): a call site either
 * takes FOLL_GET references released with `put_page()` (`'gup'`) or FOLL_PIN pins released with
 * `unpin_user_page()` (`'pin'`).
 * @remarks Each direct-I/O call site asks its policy, so a filesystem plugin can declare its own paths
 * converted (`'pin'`) or not (`'gup'`) independently of the block layer's default.
 */
export type PageRefPolicy = 'gup' | 'pin';

/**
 * One kernel era of block-layer direct I/O: the rules `bio_iov_iter_get_pages()`, `iov_iter_get_pages2()`
 * and the `dio_w_*` wrappers follow (block-fs spec §11).
 *
 * @remarks Eras are data; new ones (the RFC patch by patch, later upstream changes) are added as new values
 * of this interface without touching the code that reads them.
 */
export interface BlockEra {
  /** Short name (`gup`, `rfc`, `upstream`), as in the `block` plugin's `era` parameter. */
  readonly name: string;
  /** One line for listings. */
  readonly description: string;
  /**
   * The policy of the `dio_w_*` wrappers given `CONFIG_BLK_USE_PIN_USER_PAGES_FOR_DIO`.
   * @param configPin - the CONFIG value
   */
  dioWPolicy(configPin: boolean): PageRefPolicy;
  /**
   * With policy `'pin'`, `bio_iov_iter_get_pages()` uses `iov_iter_extract_pages()` and marks the bio
   * `BIO_PAGE_PINNED` only for user-backed iterators (6.5+). When false, it uses `iov_iter_get_pages2()`
   * whose user-backed branch goes through `dio_w_pin_user_pages_fast()`, and the bio is released with
   * `dio_w_unpin_user_page()` unless it came from a BVEC iterator (the RFC, ≤ 6.4 structure).
   */
  readonly pinViaExtract: boolean;
  /** `iov_iter_get_pages2()` on a user-backed iterator goes through `dio_w_pin_user_pages_fast()` (RFC patch 4). */
  readonly getPagesUsesDioW: boolean;
  /** RFC patch 3: `WARN_ON_ONCE(!iter_is_iovec(iter))` before the key paths extract pages. */
  readonly warnNonUserBackedDio: boolean;
}

/**
 * Upstream Linux 6.5+ (the default; 6.18 on the reference machine): `iov_iter_extract_pages()` +
 * `BIO_PAGE_PINNED`, pins only for user-backed iterators, nothing for kernel-backed ones.
 */
export const blockEraUpstream: BlockEra = Object.freeze({
  name: 'upstream',
  description: 'Linux 6.5+: iov_iter_extract_pages + BIO_PAGE_PINNED (pins only user-backed memory)',
  dioWPolicy: (): PageRefPolicy => 'pin',
  pinViaExtract: true,
  getPagesUsesDioW: false,
  warnNonUserBackedDio: false,
});

/**
 * The GUP era (≈5.17–6.4): `iov_iter_get_pages2()` + FOLL_GET references, `put_page()` at release,
 * `BIO_NO_PAGE_REF` for BVEC iterators. Nothing is pinned.
 */
export const blockEraGup: BlockEra = Object.freeze({
  name: 'gup',
  description: 'Linux <= 6.4: iov_iter_get_pages2 + FOLL_GET references released by put_page',
  dioWPolicy: (): PageRefPolicy => 'gup',
  pinViaExtract: false,
  getPagesUsesDioW: false,
  warnNonUserBackedDio: false,
});

/**
 * The Hubbard RFC (Feb 2022, patches 1–6 applied on ≈5.17): `dio_w_*` wrappers selected by
 * `CONFIG_BLK_USE_PIN_USER_PAGES_FOR_DIO`, used by `iov_iter_get_pages*()` for IOVEC/UBUF iterators and
 * by `bio_release_pages()`, with the patch-3 assertion that only user-backed iterators reach the key paths.
 */
export const blockEraRfc: BlockEra = Object.freeze({
  name: 'rfc',
  description: 'Hubbard RFC 2022: dio_w_* wrappers chosen by CONFIG_BLK_USE_PIN_USER_PAGES_FOR_DIO',
  dioWPolicy: (configPin: boolean): PageRefPolicy => (configPin ? 'pin' : 'gup'),
  pinViaExtract: false,
  getPagesUsesDioW: true,
  warnNonUserBackedDio: true,
});

/** Every era this package knows, by name. */
export const blockEras: readonly BlockEra[] = Object.freeze([blockEraUpstream, blockEraGup, blockEraRfc]);
