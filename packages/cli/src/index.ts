/**
 * `@stackemu/cli`: the `stackemu` command — fio on built-in or configured stacks, stack and plugin listings.
 * @packageDocumentation
 */
export * from './catalogue.js';
export * from './stacks.js';
export * from './stack-config.js';
export * from './chrome-trace.js';
export * from './device-map.js';
export * from './wall-clock.js';
export * from './main.js';
