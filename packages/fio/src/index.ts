/**
 * `@stackemu/fio` (under construction).
 * @packageDocumentation
 */
export {};
