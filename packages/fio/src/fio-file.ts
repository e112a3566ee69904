/**
 * A job's file (`struct fio_file`, file.h).
 * @packageDocumentation
 */
import type { Axmap } from './axmap.js';

/** Models `enum fio_filetype` (file.h). */
export type FioFileType = 'file' | 'block' | 'char' | 'pipe';

/**
 * Models `struct fio_file` (file.h): a file or device a job does I/O to, with its size, I/O region and
 * positions.
 */
export class FioFile {
  /** Descriptor, -1 when closed. */
  fd = -1;
  /** `real_file_size`: bytes, -1 until known. */
  realFileSize = -1;
  /** `io_size`: bytes of the region the job uses. */
  ioSize = 0;
  /** `file_offset`: start of that region. */
  fileOffset = 0;
  /** `last_pos[ddir]`: end of the last I/O. */
  readonly lastPos = [0, 0, 0];
  /** `last_start[ddir]`: start of the last I/O (-1 = none). */
  readonly lastStart = [-1, -1, -1];
  /** The random map (`io_axmap`), for random I/O without `norandommap`. */
  axmap: Axmap | undefined;
  /** `FIO_FILE_open`. */
  open = false;
  /** `FIO_FILE_done`. */
  done = false;
  /** `FIO_FILE_extend`: needs laying out. */
  extend = false;
  /** `FIO_FILE_size_known`. */
  sizeKnown = false;
  /** File position for the `sync` engine (`f->last_pos` of its lseek optimisation). */
  syncPos = -1;
  /** Registered index (io_uring `registerfiles`). */
  enginePos = 0;

  /**
   * @param fileName - path as the job names it (resolved in the emulated filesystem)
   * @param fileno - index in the job's file list
   * @param filetype - regular file, block device, character device
   */
  constructor(
    readonly fileName: string,
    readonly fileno: number,
    public filetype: FioFileType,
  ) {}

  /** Models `fio_file_reset()` (filesetup.c). */
  reset(): void {
    for (let i = 0; i < 3; i++) {
      this.lastPos[i] = this.fileOffset;
      this.lastStart[i] = -1;
    }
    this.axmap?.reset();
  }
}
