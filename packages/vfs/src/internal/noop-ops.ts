/**
 * Empty ops tables for inodes before their filesystem fills them.
 * @internal
 * @packageDocumentation
 */
import type { FileOperations } from '../file-operations.js';
import type { InodeOperations } from '../inode-operations.js';

/** No file operations: every call gets the vfs's "missing op" answer. */
export const noopFileOperations: FileOperations = Object.freeze({});
/** No inode operations. */
export const noopInodeOperations: InodeOperations = Object.freeze({});
