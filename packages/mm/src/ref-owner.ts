/**
 * Who holds a page reference, for the pin sanitizer.
 * @packageDocumentation
 */

/**
 * The holder of a page reference or pin, as the pin sanitizer attributes it (the stackemu counterpart of a
 * kernel call site owning a `struct page *`): a bio, a kiocb, an io_uring buffer, a process's mm.
 * @remarks Any object with `refOwnerName()`; identity (`===`) decides which references belong to whom, and
 * `Sanitizer.ownerEnded(owner)` reports what the owner still holds when it ends.
 */
export interface RefOwner {
  /** A short name for reports (`"bio#12"`, `"pid 3"`). */
  refOwnerName(): string;
}
