/**
 * `@stackemu/mm` (under construction).
 * @packageDocumentation
 */
export {};
