/**
 * `@stackemu/devices` (under construction).
 * @packageDocumentation
 */
export {};
