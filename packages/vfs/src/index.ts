/**
 * `@stackemu/vfs` (under construction).
 * @packageDocumentation
 */
export {};
