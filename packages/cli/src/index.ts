/**
 * `@stackemu/cli` (under construction).
 * @packageDocumentation
 */
export {};
