/**
 * Bio submission (block/blk-core.c): `submit_bio()`, `submit_bio_noacct()` and its checks, and
 * `submit_bio_wait()` (block/bio.c).
 * @packageDocumentation
 */
import { EINVAL, Errno } from '@stackemu/core';
import {
  BLK_STS_IOERR,
  BLK_STS_NOTSUPP,
  BLK_STS_OK,
  BIO_REMAPPED,
  BIO_TRACE_COMPLETION,
  Bio,
  REQ_FUA,
  REQ_NOWAIT,
  REQ_OP_DISCARD,
  REQ_OP_MASK,
  REQ_OP_READ,
  REQ_OP_SECURE_ERASE,
  REQ_OP_WRITE,
  REQ_OP_WRITE_ZEROES,
  REQ_POLLED,
  REQ_PREFLUSH,
  REQ_SYNC,
  bioSectors,
  opIsFlush,
} from './blk-types.js';
import { blkStatusToErrno } from './blk-status.js';
import { BLK_FEAT_NOWAIT, BLK_FEAT_POLL, BLK_FEAT_WRITE_CACHE } from './blkdev.js';
import { bioEndio } from './bio.js';
import { bioEntry } from './blk-merge.js';
import { blkMqSubmitBio } from './blk-mq.js';

function endWith(bio: Bio, status: number): void {
  bio.biStatus = status;
  bioEndio(bio);
}

/**
 * Models `submit_bio_noacct()` (block/blk-core.c): check a bio against its device and hand it to blk-mq.
 *
 * @param bio - a bio with `biBdev` set
 * @remarks Ends the bio instead of submitting it: `BLK_STS_NOTSUPP` for `REQ_NOWAIT` on a queue without
 * `BLK_FEAT_NOWAIT` or `REQ_POLLED` on one without `BLK_FEAT_POLL`, a discard/write-zeroes the device cannot do, `REQ_OP_FLUSH` or driver-private ops in
 * a bio; `BLK_STS_IOERR` beyond the end of the device ("attempt to access beyond end of device");
 * `BLK_STS_OK` for an empty flush to a device without a volatile cache (PREFLUSH/FUA are dropped there).
 * Bios submitted while another submission runs are queued and submitted after it (`current->bio_list`).
 * @throws Errno `EINVAL` for a bio without a device (the kernel oopses)
 */
export function submitBioNoacct(bio: Bio): void {
  const bdev = bio.biBdev;
  if (bdev === undefined) throw new Errno(EINVAL, 'block: submit_bio_noacct: bio has no block device');
  const q = bdev.bdQueue;
  const lim = q.limits;
  if ((bio.biOpf & REQ_NOWAIT) !== 0 && (lim.features & BLK_FEAT_NOWAIT) === 0) {
    endWith(bio, BLK_STS_NOTSUPP);
    return;
  }
  if ((bio.biOpf & REQ_POLLED) !== 0 && (lim.features & BLK_FEAT_POLL) === 0) {
    bio.biOpf &= ~REQ_POLLED;
    endWith(bio, BLK_STS_NOTSUPP);
    return;
  }
  // bio_check_eod() and partition remapping.
  const nr = bdev.bdNrSectors;
  const secs = bioSectors(bio);
  if (secs > 0 && (nr < secs || bio.biIter.biSector > nr - secs)) {
    if (bio.blk.log.isLevelEnabled('info')) {
      bio.blk.log.info(
        `${bdev.bdDisk.diskName}: attempt to access beyond end of device (sector ${bio.biIter.biSector}, ${secs} sectors, limit ${nr})`,
      );
    }
    endWith(bio, BLK_STS_IOERR);
    return;
  }
  if (bdev.bdPartno !== 0 && (bio.biFlags & (1 << BIO_REMAPPED)) === 0) {
    bio.biIter.biSector += bdev.bdStartSect;
    bio.biFlags |= 1 << BIO_REMAPPED;
  }
  const op = bio.biOpf & REQ_OP_MASK;
  if (opIsFlush(bio.biOpf)) {
    if (op !== REQ_OP_WRITE) {
      endWith(bio, BLK_STS_IOERR);
      return;
    }
    if ((lim.features & BLK_FEAT_WRITE_CACHE) === 0) {
      bio.biOpf &= ~(REQ_PREFLUSH | REQ_FUA);
      if (secs === 0) {
        endWith(bio, BLK_STS_OK);
        return;
      }
    }
  }
  switch (op) {
    case REQ_OP_READ:
    case REQ_OP_WRITE:
      break;
    case REQ_OP_DISCARD:
      if (lim.maxDiscardSectors === 0) {
        endWith(bio, BLK_STS_NOTSUPP);
        return;
      }
      break;
    case REQ_OP_SECURE_ERASE:
      endWith(bio, BLK_STS_NOTSUPP);
      return;
    case REQ_OP_WRITE_ZEROES:
      if (lim.maxWriteZeroesSectors === 0) {
        endWith(bio, BLK_STS_NOTSUPP);
        return;
      }
      break;
    default:
      endWith(bio, BLK_STS_NOTSUPP);
      return;
  }
  const blk = bio.blk;
  if (blk.trace.bioQueue.observed) {
    blk.trace.bioQueue.emit(bioEntry(bio));
    if (blk.trace.bioComplete.observed) bio.biFlags |= 1 << BIO_TRACE_COMPLETION;
  } else if (blk.trace.bioComplete.observed) {
    bio.biFlags |= 1 << BIO_TRACE_COMPLETION;
  }
  // __submit_bio_noacct_mq(): no recursion; nested submissions wait on current->bio_list.
  if (blk.bioList !== undefined) {
    blk.bioList.push(bio);
    return;
  }
  const list = blk.bioListStore;
  blk.bioList = list;
  try {
    blkMqSubmitBio(bio);
    for (let k = 0; k < list.length; k++) blkMqSubmitBio(list[k] as Bio);
  } finally {
    if (list.length !== 0) list.length = 0;
    blk.bioList = undefined;
  }
}

/**
 * Models `submit_bio()` (block/blk-core.c): submit a bio to its device; completion comes later through
 * `bi_end_io`.
 * @param bio - a bio with a device, sector, data and `biEndIo`
 */
export function submitBio(bio: Bio): void {
  submitBioNoacct(bio);
}

/**
 * Models `submit_bio_wait()` (block/bio.c): submit and wait for completion. The bio is not put.
 * @param bio - the bio (`biEndIo` and `biPrivate` are overwritten)
 * @returns 0 or the negative errno of its status
 */
export function submitBioWait(bio: Bio): Promise<number> {
  const d = bio.blk.scheduler.defer<number>();
  bio.biPrivate = d;
  bio.biEndIo = submitBioWaitEndio;
  bio.biOpf |= REQ_SYNC;
  submitBio(bio);
  return d.promise;
}

function submitBioWaitEndio(bio: Bio): void {
  const d = bio.biPrivate as { resolve(v: number): void };
  d.resolve(blkStatusToErrno(bio.biStatus));
}
