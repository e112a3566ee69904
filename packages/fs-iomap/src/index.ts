/**
 * `@stackemu/fs-iomap` (under construction).
 * @packageDocumentation
 */
export {};
