/**
 * Kernel `BUG()`: a broken invariant in the caller, never a runtime condition.
 * @internal
 * @packageDocumentation
 */

/**
 * Thrown where the kernel would hit `BUG()` or `BUG_ON()` (a caller broke an invariant).
 */
export class KernelBugError extends Error {
  /** Always `"KernelBugError"`. */
  override readonly name = 'KernelBugError';
  /**
   * @param where - the kernel function, e.g. `iov_iter_revert`
   * @param what - the invariant that was broken
   */
  constructor(
    readonly where: string,
    what: string,
  ) {
    super(`${where}: BUG: ${what}`);
  }
}
