/**
 * `@stackemu/block/testing`: the direct-I/O conformance kit every filesystem plugin and device runs.
 * Framework-agnostic (node:assert).
 * @packageDocumentation
 */
export * from './dio-conformance.js';
