/**
 * A reader/writer semaphore in virtual time (`struct rw_semaphore`, kernel/locking/rwsem.c), for `i_rwsem`.
 * @packageDocumentation
 */

/** A task queued on an {@link RwSemaphore}: what it wants and how to wake it. */
interface RwsemWaiter {
  readonly write: boolean;
  readonly wake: () => void;
}

/**
 * Models `struct rw_semaphore` (include/linux/rwsem.h): many readers or one writer, and a FIFO of sleepers.
 *
 * @remarks The lock is handed to the woken task (`rwsem_mark_wake()`'s hand-off), so a task arriving while
 * others sleep queues behind them instead of stealing it: a writer is not starved by a stream of readers.
 * Waking a reader also wakes the readers queued right behind it. An acquisition that does not sleep returns
 * `undefined` (no promise, no allocation); one that sleeps returns a promise settled once the lock is held.
 */
export class RwSemaphore {
  private readers = 0;
  private writer = false;
  /** Sleepers in arrival order: slots `[head, length)`; a woken one's slot is cleared. */
  private readonly waiters: (RwsemWaiter | undefined)[] = [];
  private head = 0;

  /** Models `down_read()`. @returns undefined when acquired at once, else a promise settled once held */
  downRead(): Promise<void> | undefined {
    if (this.downReadTrylock()) return undefined;
    return this.sleep(false);
  }

  /** Models `down_write()`. @returns undefined when acquired at once, else a promise settled once held */
  downWrite(): Promise<void> | undefined {
    if (this.downWriteTrylock()) return undefined;
    return this.sleep(true);
  }

  /** Models `down_read_trylock()`. @returns true if now held for reading */
  downReadTrylock(): boolean {
    if (this.writer || this.head < this.waiters.length) return false;
    this.readers++;
    return true;
  }

  /** Models `down_write_trylock()`. @returns true if now held for writing */
  downWriteTrylock(): boolean {
    if (this.writer || this.readers > 0 || this.head < this.waiters.length) return false;
    this.writer = true;
    return true;
  }

  /**
   * Models `up_read()`.
   * @throws Error if not held for reading (an unbalanced release: a bug in the caller)
   */
  upRead(): void {
    if (this.readers === 0) throw new Error('rwsem: up_read() without a reader holding it');
    if (--this.readers === 0) this.wakeNext();
  }

  /**
   * Models `up_write()`.
   * @throws Error if not held for writing
   */
  upWrite(): void {
    if (!this.writer) throw new Error('rwsem: up_write() without a writer holding it');
    this.writer = false;
    this.wakeNext();
  }

  /** Models `rwsem_is_locked()`. */
  isLocked(): boolean {
    return this.writer || this.readers > 0;
  }

  /** Tasks sleeping on the lock. */
  get sleepers(): number {
    return this.waiters.length - this.head;
  }

  private sleep(write: boolean): Promise<void> {
    return new Promise<void>((resolve) => {
      this.waiters.push({ write, wake: resolve });
    });
  }

  /** Hands the free lock to the first sleeper: one writer, or every reader queued before the next writer. */
  private wakeNext(): void {
    const q = this.waiters;
    const first = q[this.head];
    if (first === undefined) return;
    if (first.write) {
      if (this.readers > 0) return;
      this.writer = true;
      this.shift();
      first.wake();
      return;
    }
    for (let w = q[this.head]; w !== undefined && !w.write; w = q[this.head]) {
      this.readers++;
      this.shift();
      w.wake();
    }
  }

  private shift(): void {
    this.waiters[this.head++] = undefined;
    if (this.head === this.waiters.length) {
      this.waiters.length = 0;
      this.head = 0;
    }
  }
}
