/**
 * `@stackemu/block` (under construction).
 * @packageDocumentation
 */
export {};
