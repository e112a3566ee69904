/**
 * The model of `struct mm_struct`: VMAs, page tables, mmap/munmap/mprotect/madvise, user copies, fork, exit.
 * @internal
 * @packageDocumentation
 */
import { EACCES, EBADF, EEXIST, EFAULT, EINVAL, ENOMEM, EOPNOTSUPP, EOVERFLOW, EPERM, Errno } from '@stackemu/core';
import type { MmapFile } from '../fs.js';
import {
  MADV_COLD,
  MADV_COLLAPSE,
  MADV_DODUMP,
  MADV_DOFORK,
  MADV_DONTDUMP,
  MADV_DONTFORK,
  MADV_DONTNEED,
  MADV_DONTNEED_LOCKED,
  MADV_FREE,
  MADV_HUGEPAGE,
  MADV_KEEPONFORK,
  MADV_MERGEABLE,
  MADV_NOHUGEPAGE,
  MADV_NORMAL,
  MADV_PAGEOUT,
  MADV_POPULATE_READ,
  MADV_POPULATE_WRITE,
  MADV_RANDOM,
  MADV_REMOVE,
  MADV_SEQUENTIAL,
  MADV_UNMERGEABLE,
  MADV_WILLNEED,
  MADV_WIPEONFORK,
  MAP_ANONYMOUS,
  MAP_FIXED,
  MAP_FIXED_NOREPLACE,
  MAP_HUGETLB,
  MAP_LOCKED,
  MAP_NONBLOCK,
  MAP_POPULATE,
  MAP_PRIVATE,
  MAP_SHARED,
  MAP_SHARED_VALIDATE,
  MAP_SYNC,
  MAP_TYPE,
  PROT_EXEC,
  PROT_GROWSDOWN,
  PROT_GROWSUP,
  PROT_READ,
  PROT_WRITE,
} from '../mman.js';
import type { MmStruct, PagemapEntry, VmaInfo } from '../mm-struct.js';
import { PAGE_SIZE, PMD_SIZE, TASK_SIZE_MAX, pageAlign } from '../page-types.js';
import {
  VM_DONTCOPY,
  VM_DONTDUMP,
  VM_EXEC,
  VM_HUGEPAGE,
  VM_LOCKED,
  VM_MAYEXEC,
  VM_MAYREAD,
  VM_MAYSHARE,
  VM_MAYWRITE,
  VM_NOHUGEPAGE,
  VM_RAND_READ,
  VM_READ,
  VM_SEQ_READ,
  VM_SHARED,
  VM_SOFTDIRTY,
  VM_WRITE,
} from '../vm-flags.js';
import type { AddressSpaceImpl } from './address-space-impl.js';
import {
  FAULT_FLAG_WRITE,
  VM_FAULT_ERROR,
  VM_FAULT_OOM,
  VM_FAULT_RETRY,
  copyPageRange,
  folioMaybeDmaPinned,
  handleMmFaultLocked,
  pmdIndex,
  pteIndex,
  splitHugePmd,
  zapRange,
} from './memory.js';
import type { MmCore } from './mm-core.js';
import {
  HugePmd,
  PTE_DIRTY,
  PTE_PRESENT,
  PTE_PROTNONE,
  PTE_SOFT_DIRTY,
  PTE_SPECIAL,
  PTE_WRITE,
  PageTable,
  PteTable,
} from './pgtable.js';
import { Vma } from './vma.js';

/** `mmap_min_addr` default (64 KiB). */
const MMAP_MIN_ADDR = 0x10000;
/** The top of the mmap area (no ASLR: deterministic). */
const MMAP_BASE = 0x7f0000000000;

/** Creates the shmem file behind a MAP_SHARED|MAP_ANONYMOUS mapping. */
export type ShmemZeroSetup = (size: number) => MmapFile;

function calcVmProtBits(prot: number): number {
  return (prot & PROT_READ ? VM_READ : 0) | (prot & PROT_WRITE ? VM_WRITE : 0) | (prot & PROT_EXEC ? VM_EXEC : 0);
}

/**
 * Models `struct mm_struct` (include/linux/mm_types.h). See {@link MmStruct}.
 */
export class MmStructImpl implements MmStruct {
  readonly pt = new PageTable();
  vmaList: Vma[] = [];
  hasPinned = false;
  exited = false;
  rssAnon = 0;
  rssFile = 0;
  private cached: Vma | undefined;

  constructor(
    readonly core: MmCore,
    readonly id: number,
    private readonly name: string,
    private readonly shmemZeroSetup: ShmemZeroSetup,
  ) {}

  refOwnerName(): string {
    return this.name;
  }

  // ---- VMA tree -------------------------------------------------------------------------------------------

  /** Models `vma_lookup()`: the VMA containing `addr`. */
  findVma(addr: number): Vma | undefined {
    const c = this.cached;
    if (c !== undefined && addr >= c.start && addr < c.end) return c;
    const v = this.vmaList;
    let lo = 0;
    let hi = v.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const m = v[mid] as Vma;
      if (addr < m.start) hi = mid - 1;
      else if (addr >= m.end) lo = mid + 1;
      else {
        this.cached = m;
        return m;
      }
    }
    return undefined;
  }

  private insertVma(vma: Vma): void {
    let i = 0;
    while (i < this.vmaList.length && (this.vmaList[i] as Vma).start < vma.start) i++;
    this.vmaList.splice(i, 0, vma);
    vma.mapping?.iMmap.add(vma);
  }

  private removeVma(vma: Vma): void {
    const i = this.vmaList.indexOf(vma);
    if (i >= 0) this.vmaList.splice(i, 1);
    const m = vma.mapping;
    if (m !== undefined) {
      m.iMmap.delete(vma);
      if (m.releaseOnUnmap && m.iMmap.size === 0) m.releaseAll();
    }
    if (this.cached === vma) this.cached = undefined;
  }

  /** Models `split_vma()`: makes `addr` a VMA boundary. */
  private splitAt(addr: number): void {
    const vma = this.findVma(addr);
    if (vma === undefined || vma.start === addr) return;
    // A PMD-mapped THP straddling the split point is split first (vma_adjust_trans_huge()).
    if (addr % PMD_SIZE !== 0 && this.pt.pmds.get(pmdIndex(addr)) instanceof HugePmd) splitHugePmd(this, addr);
    const upper = vma.clone(this);
    upper.start = addr;
    upper.pgoff = vma.pgoff + (addr - vma.start) / PAGE_SIZE;
    vma.end = addr;
    this.insertVma(upper);
    this.cached = undefined;
  }

  /** VMAs overlapping [start, end), after splitting at both ends. */
  private vmasIn(start: number, end: number): Vma[] {
    this.splitAt(start);
    this.splitAt(end);
    return this.vmaList.filter((v) => v.start >= start && v.end <= end);
  }

  /** True if [start, end) is covered by VMAs without holes. */
  private fullyMapped(start: number, end: number): boolean {
    let a = start;
    while (a < end) {
      const v = this.findVma(a);
      if (v === undefined) return false;
      a = v.end;
    }
    return true;
  }

  /** Models `get_unmapped_area()` top-down (mm/mmap.c, `vm_unmapped_area()`). @returns address or -ENOMEM */
  private unmappedArea(len: number, align: number): number {
    let gapEnd = MMAP_BASE;
    for (let j = this.vmaList.length - 1; j >= -1; j--) {
      const v = j >= 0 ? (this.vmaList[j] as Vma) : undefined;
      const gapStart = v !== undefined ? v.end : MMAP_MIN_ADDR;
      if (gapStart < gapEnd) {
        const addr = Math.floor((gapEnd - len) / align) * align;
        if (addr >= gapStart && addr + len <= gapEnd) return addr;
      }
      if (v !== undefined) gapEnd = Math.min(gapEnd, v.start);
    }
    return -ENOMEM;
  }

  private rangeFree(start: number, end: number): boolean {
    for (const v of this.vmaList) if (v.start < end && v.end > start) return false;
    return true;
  }

  // ---- mmap/munmap/mprotect/madvise -----------------------------------------------------------------------

  mmap(addr: number, len: number, prot: number, flags: number, file?: MmapFile, pgoff = 0): number {
    if (this.exited) return -EFAULT;
    if (file === undefined && (flags & MAP_ANONYMOUS) === 0) return -EBADF;
    if (len <= 0 || !Number.isInteger(len)) return -EINVAL;
    if (!Number.isInteger(addr) || addr < 0 || !Number.isInteger(pgoff) || pgoff < 0) return -EINVAL;
    const plen = pageAlign(len);
    if (plen > TASK_SIZE_MAX) return -ENOMEM;
    if (pgoff + plen / PAGE_SIZE > 2 ** 52) return -EOVERFLOW;
    const type = flags & MAP_TYPE;
    if (type !== MAP_SHARED && type !== MAP_PRIVATE && type !== MAP_SHARED_VALIDATE) return -EINVAL;
    if ((flags & MAP_SYNC) !== 0 && type === MAP_SHARED_VALIDATE && file?.dax !== true) return -EOPNOTSUPP;
    if ((flags & MAP_HUGETLB) !== 0) return -ENOMEM; // vm.nr_hugepages = 0: no huge pages to reserve
    const shared = type !== MAP_PRIVATE;
    let vmFlags = calcVmProtBits(prot) | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC | VM_SOFTDIRTY;
    if (shared) {
      vmFlags |= VM_SHARED | VM_MAYSHARE;
      if (file !== undefined && file.mayWrite === false) {
        if ((prot & PROT_WRITE) !== 0) return -EACCES;
        vmFlags &= ~VM_MAYWRITE;
      }
    }
    if ((flags & MAP_LOCKED) !== 0) vmFlags |= VM_LOCKED;
    let start: number;
    if ((flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) !== 0) {
      if (addr % PAGE_SIZE !== 0) return -EINVAL;
      if (addr + plen > TASK_SIZE_MAX) return -ENOMEM;
      if (addr < MMAP_MIN_ADDR) return -EPERM;
      if ((flags & MAP_FIXED_NOREPLACE) !== 0 && !this.rangeFree(addr, addr + plen)) return -EEXIST;
      start = addr;
      if (!this.rangeFree(start, start + plen)) this.munmap(start, plen);
    } else {
      const hint = addr - (addr % PAGE_SIZE);
      if (hint >= MMAP_MIN_ADDR && hint + plen <= TASK_SIZE_MAX && this.rangeFree(hint, hint + plen)) start = hint;
      else {
        const thpAlign =
          file === undefined && !shared && addr === 0 && plen % PMD_SIZE === 0 && this.core.cfg.thp !== 'never';
        start = this.unmappedArea(plen, thpAlign ? PMD_SIZE : PAGE_SIZE);
        if (start < 0) return start;
      }
    }
    let f = file;
    if (f === undefined && shared) {
      f = this.shmemZeroSetup(plen);
      pgoff = 0;
    }
    const vma = new Vma(
      this,
      start,
      start + plen,
      vmFlags,
      f === undefined ? start / PAGE_SIZE : pgoff,
      f,
      f?.mapping as AddressSpaceImpl | undefined,
    );
    this.insertVma(vma);
    if ((flags & (MAP_POPULATE | MAP_LOCKED)) !== 0 && (flags & MAP_NONBLOCK) === 0) {
      const write = (vmFlags & (VM_WRITE | VM_SHARED)) === VM_WRITE;
      for (let a = start; a < start + plen; a += PAGE_SIZE) {
        const r = handleMmFaultLocked(this, vma, a, write ? FAULT_FLAG_WRITE : 0);
        if ((r & (VM_FAULT_ERROR | VM_FAULT_RETRY)) !== 0) break;
      }
    }
    return start;
  }

  munmap(addr: number, len: number): number {
    if (!Number.isInteger(addr) || addr % PAGE_SIZE !== 0 || addr < 0) return -EINVAL;
    if (!Number.isInteger(len) || len <= 0) return -EINVAL;
    const end = addr + pageAlign(len);
    if (end > TASK_SIZE_MAX) return -EINVAL;
    for (const v of this.vmasIn(addr, end)) {
      zapRange(this, v, v.start, v.end);
      this.removeVma(v);
    }
    return 0;
  }

  mprotect(addr: number, len: number, prot: number): number {
    if (!Number.isInteger(addr) || addr % PAGE_SIZE !== 0 || addr < 0) return -EINVAL;
    if ((prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_GROWSDOWN | PROT_GROWSUP)) !== 0) return -EINVAL;
    if ((prot & (PROT_GROWSDOWN | PROT_GROWSUP)) !== 0) return -EINVAL;
    if (len === 0) return 0;
    const end = addr + pageAlign(len);
    if (end <= addr || end > TASK_SIZE_MAX) return -ENOMEM;
    if (!this.fullyMapped(addr, end)) return -ENOMEM;
    const want = calcVmProtBits(prot);
    for (let a = addr; a < end;) {
      const v = this.findVma(a) as Vma;
      const mayBits = (v.flags >> 4) & (VM_READ | VM_WRITE | VM_EXEC);
      if ((want & ~mayBits) !== 0) return -EACCES;
      a = v.end;
    }
    for (const v of this.vmasIn(addr, end)) {
      v.flags = (v.flags & ~(VM_READ | VM_WRITE | VM_EXEC)) | want;
      this.changeProtection(v);
    }
    return 0;
  }

  /** Models `change_protection()` (mm/mprotect.c) with `MM_CP_TRY_CHANGE_WRITABLE`. */
  private changeProtection(v: Vma): void {
    const none = (v.flags & (VM_READ | VM_WRITE | VM_EXEC)) === 0;
    const writable = (v.flags & VM_WRITE) !== 0;
    const shared = (v.flags & VM_SHARED) !== 0;
    const manual = shared ? v.wantsWritenotify : writable;
    const softDirtyEnabled = (v.flags & VM_SOFTDIRTY) === 0;
    const mem = this.core.mem;
    const canWrite = (bits: number, pfn: number): boolean => {
      if (!writable) return false;
      if (softDirtyEnabled && (bits & PTE_SOFT_DIRTY) === 0) return false;
      if (!shared) return (bits & PTE_SPECIAL) === 0 && mem.pageAnon(pfn) && mem.pageAnonExclusive(pfn);
      if (!manual) return (bits & PTE_SPECIAL) === 0;
      return (bits & PTE_DIRTY) !== 0;
    };
    const upd = (bits: number, pfn: number): number => {
      if (none) return (bits | PTE_PROTNONE) & ~PTE_WRITE;
      let b = bits & ~PTE_PROTNONE;
      if (!writable) b &= ~PTE_WRITE;
      else if ((b & PTE_WRITE) === 0 && canWrite(b, pfn)) b |= PTE_WRITE;
      return b;
    };
    for (let p = pmdIndex(v.start); p * PMD_SIZE < v.end; p++) {
      const e = this.pt.pmds.get(p);
      if (e === undefined) continue;
      if (e instanceof HugePmd) {
        e.bits = upd(e.bits, e.pfn);
        continue;
      }
      const a = Math.max(v.start, p * PMD_SIZE);
      const b = Math.min(v.end, (p + 1) * PMD_SIZE);
      for (let k = pteIndex(a), n = (b - a) / PAGE_SIZE; n > 0; k++, n--) {
        const pfn = e.pfn[k] as number;
        if (pfn >= 0) e.bits[k] = upd(e.bits[k] as number, pfn);
      }
    }
  }

  madvise(addr: number, len: number, advice: number): number {
    if (!Number.isInteger(addr) || addr % PAGE_SIZE !== 0 || addr < 0) return -EINVAL;
    switch (advice) {
      case MADV_FREE:
      case MADV_REMOVE:
      case MADV_WIPEONFORK:
      case MADV_KEEPONFORK:
      case MADV_COLLAPSE:
        throw new Errno(EOPNOTSUPP, `mm: madvise advice ${advice} is not modelled`);
      case MADV_MERGEABLE:
      case MADV_UNMERGEABLE:
        return -EINVAL; // CONFIG_KSM is not set
      case MADV_NORMAL:
      case MADV_RANDOM:
      case MADV_SEQUENTIAL:
      case MADV_WILLNEED:
      case MADV_DONTNEED:
      case MADV_DONTNEED_LOCKED:
      case MADV_DONTFORK:
      case MADV_DOFORK:
      case MADV_HUGEPAGE:
      case MADV_NOHUGEPAGE:
      case MADV_DONTDUMP:
      case MADV_DODUMP:
      case MADV_COLD:
      case MADV_PAGEOUT:
      case MADV_POPULATE_READ:
      case MADV_POPULATE_WRITE:
        break;
      default:
        return -EINVAL;
    }
    if (!Number.isInteger(len) || len < 0) return -EINVAL;
    const end = addr + pageAlign(len);
    if (end > TASK_SIZE_MAX) return -EINVAL;
    if (end === addr) return 0;
    const holes = !this.fullyMapped(addr, end);
    if (advice === MADV_POPULATE_READ || advice === MADV_POPULATE_WRITE) {
      if (holes) return -ENOMEM;
      const write = advice === MADV_POPULATE_WRITE;
      for (let a = addr; a < end; a += PAGE_SIZE) {
        const r = this.userFault(a, write, true);
        if (r === VM_FAULT_OOM) return -ENOMEM;
        if (r !== 0) return -EFAULT;
      }
      return 0;
    }
    const flagsChange = (set: number, clear: number): void => {
      for (const v of this.vmasIn(addr, end)) v.flags = (v.flags & ~clear) | set;
    };
    switch (advice) {
      case MADV_DONTNEED:
      case MADV_DONTNEED_LOCKED:
        for (let a = addr; a < end;) {
          const v = this.findVma(a);
          if (v === undefined) {
            const next = this.vmaList.find((x) => x.start > a);
            a = next === undefined ? end : next.start;
            continue;
          }
          const b = Math.min(end, v.end);
          zapRange(this, v, a, b);
          a = b;
        }
        break;
      case MADV_DONTFORK:
        flagsChange(VM_DONTCOPY, 0);
        break;
      case MADV_DOFORK:
        flagsChange(0, VM_DONTCOPY);
        break;
      case MADV_HUGEPAGE:
        flagsChange(VM_HUGEPAGE, VM_NOHUGEPAGE);
        break;
      case MADV_NOHUGEPAGE:
        flagsChange(VM_NOHUGEPAGE, VM_HUGEPAGE);
        break;
      case MADV_DONTDUMP:
        flagsChange(VM_DONTDUMP, 0);
        break;
      case MADV_DODUMP:
        flagsChange(0, VM_DONTDUMP);
        break;
      case MADV_RANDOM:
        flagsChange(VM_RAND_READ, VM_SEQ_READ);
        break;
      case MADV_SEQUENTIAL:
        flagsChange(VM_SEQ_READ, VM_RAND_READ);
        break;
      case MADV_NORMAL:
        flagsChange(0, VM_SEQ_READ | VM_RAND_READ);
        break;
      default:
        // MADV_WILLNEED (no readahead modelled), MADV_COLD/MADV_PAGEOUT (no swap and no reclaim modelled:
        // the kernel without swap cannot page anon memory out either).
        break;
    }
    return holes ? -ENOMEM : 0;
  }

  // ---- faults and user copies -----------------------------------------------------------------------------

  /**
   * A user access at `addr`: the mapped pfn if the PTE allows it, else a fault with the VMA's access check.
   * @returns the pfn (>= 0), or `-(VM_FAULT_*)` / -VM_FAULT_SIGSEGV-like codes (< 0)
   */
  translate(addr: number, write: boolean): number {
    for (let tries = 0; tries < 4; tries++) {
      const p = pmdIndex(addr);
      const e = this.pt.pmds.get(p);
      if (e !== undefined) {
        if (e instanceof HugePmd) {
          const b = e.bits;
          if ((b & PTE_PROTNONE) === 0 && (!write || (b & PTE_WRITE) !== 0)) {
            if (write) e.bits = b | PTE_DIRTY | PTE_SOFT_DIRTY;
            return e.pfn + pteIndex(addr);
          }
        } else {
          const i = pteIndex(addr);
          const pfn = e.pfn[i] as number;
          const b = e.bits[i] as number;
          if (pfn >= 0 && (b & PTE_PROTNONE) === 0 && (!write || (b & PTE_WRITE) !== 0)) {
            if (write && (b & PTE_DIRTY) === 0) e.bits[i] = b | PTE_DIRTY | PTE_SOFT_DIRTY;
            return pfn;
          }
        }
      }
      const r = this.userFault(addr, write, false);
      if (r !== 0) return -r;
    }
    return -VM_FAULT_ERROR;
  }

  /** A user-mode fault: access check (`access_error()`), then `handle_mm_fault()`. @returns 0 or VM_FAULT_* */
  userFault(addr: number, write: boolean, populate: boolean): number {
    const vma = this.findVma(addr);
    if (vma === undefined) return 0x40; // VM_FAULT_SIGSEGV
    if (write ? (vma.flags & VM_WRITE) === 0 : (vma.flags & (VM_READ | VM_WRITE | VM_EXEC)) === 0) return 0x40;
    if (populate) {
      // MADV_POPULATE_*: only fault what is not yet mapped as required.
      const p = this.pt.pmds.get(pmdIndex(addr));
      if (p instanceof HugePmd && (!write || (p.bits & PTE_WRITE) !== 0)) return 0;
      if (p instanceof PteTable) {
        const i = pteIndex(addr);
        if ((p.pfn[i] as number) >= 0 && (!write || ((p.bits[i] as number) & PTE_WRITE) !== 0)) return 0;
      }
    }
    const r = handleMmFaultLocked(this, vma, addr, write ? FAULT_FLAG_WRITE : 0);
    return r & (VM_FAULT_ERROR | VM_FAULT_RETRY);
  }

  copyToUser(uaddr: number, src: Uint8Array, srcOff: number, len: number): number {
    const mem = this.core.mem;
    let done = 0;
    while (done < len) {
      const a = uaddr + done;
      const off = a % PAGE_SIZE;
      const pfn = this.translate(a - off, true);
      if (pfn < 0) break;
      const n = Math.min(len - done, PAGE_SIZE - off);
      mem.write(pfn * PAGE_SIZE + off, src, srcOff + done, n);
      done += n;
    }
    return len - done;
  }

  copyFromUser(dst: Uint8Array, dstOff: number, uaddr: number, len: number): number {
    const mem = this.core.mem;
    let done = 0;
    while (done < len) {
      const a = uaddr + done;
      const off = a % PAGE_SIZE;
      const pfn = this.translate(a - off, false);
      if (pfn < 0) break;
      const n = Math.min(len - done, PAGE_SIZE - off);
      mem.read(pfn * PAGE_SIZE + off, dst, dstOff + done, n);
      done += n;
    }
    return len - done;
  }

  handleMmFault(addr: number, write: boolean): number {
    const r = this.userFault(addr - (addr % PAGE_SIZE), write, false);
    if (r === 0) return 0;
    if ((r & VM_FAULT_RETRY) !== 0) return -11; // -EAGAIN
    if ((r & VM_FAULT_OOM) !== 0) return -ENOMEM;
    return -EFAULT;
  }

  private async faultIn(uaddr: number, size: number, write: boolean): Promise<number> {
    if (size <= 0) return 0;
    const end = uaddr + size;
    let a = uaddr - (uaddr % PAGE_SIZE);
    while (a < end) {
      const r = this.userFault(a, write, true);
      if ((r & VM_FAULT_RETRY) !== 0) {
        const io = this.core.pendingIo;
        this.core.pendingIo = undefined;
        const res = io === undefined ? 0 : await io;
        if (res < 0) break;
        continue;
      }
      if (r !== 0) break;
      a += PAGE_SIZE;
    }
    return Math.max(0, end - Math.max(a, uaddr));
  }

  faultInReadable(uaddr: number, size: number): Promise<number> {
    return this.faultIn(uaddr, size, false);
  }

  faultInWriteable(uaddr: number, size: number): Promise<number> {
    return this.faultIn(uaddr, size, true);
  }

  // ---- fork / exit ----------------------------------------------------------------------------------------

  fork(): MmStruct {
    if (this.exited) throw new Errno(EFAULT, `mm: fork of exited ${this.name}`);
    const id = this.core.allocMmId();
    const child = new MmStructImpl(this.core, id, `mm#${id}`, this.shmemZeroSetup);
    this.core.mms.set(id, child);
    for (const v of this.vmaList) {
      if ((v.flags & VM_DONTCOPY) !== 0) continue;
      const dv = v.clone(child);
      child.vmaList.push(dv);
      dv.mapping?.iMmap.add(dv);
      if ((v.flags & VM_SHARED) === 0 && v.anonVma) {
        if (copyPageRange(this, child, v, dv) !== 0) {
          child.exit();
          throw new Errno(ENOMEM, 'mm: fork: out of memory copying pinned pages');
        }
      }
    }
    return child;
  }

  exit(): void {
    if (this.exited) return;
    for (const v of [...this.vmaList]) {
      zapRange(this, v, v.start, v.end);
      this.removeVma(v);
    }
    this.exited = true;
    this.core.mms.delete(this.id);
    this.core.san?.ownerEnded(this);
  }

  // ---- introspection --------------------------------------------------------------------------------------

  clearSoftDirty(): void {
    const mem = this.core.mem;
    for (const v of this.vmaList) {
      v.flags &= ~VM_SOFTDIRTY;
      for (let p = pmdIndex(v.start); p * PMD_SIZE < v.end; p++) {
        const e = this.pt.pmds.get(p);
        if (e === undefined) continue;
        if (e instanceof HugePmd) {
          e.bits &= ~(PTE_SOFT_DIRTY | PTE_WRITE);
          continue;
        }
        const a = Math.max(v.start, p * PMD_SIZE);
        const b = Math.min(v.end, (p + 1) * PMD_SIZE);
        for (let k = pteIndex(a), n = (b - a) / PAGE_SIZE; n > 0; k++, n--) {
          const pfn = e.pfn[k] as number;
          if (pfn < 0) continue;
          const bits = e.bits[k] as number;
          // pte_is_pinned(): pinned anon pages of an mm that pinned keep their writable PTE.
          if (this.hasPinned && (bits & PTE_SPECIAL) === 0 && mem.pageAnon(pfn) && folioMaybeDmaPinned(mem, pfn))
            continue;
          e.bits[k] = bits & ~(PTE_SOFT_DIRTY | PTE_WRITE);
        }
      }
    }
  }

  vmas(): readonly VmaInfo[] {
    return this.vmaList.map((v) => ({
      start: v.start,
      end: v.end,
      flags: v.flags,
      pgoff: v.pgoff,
      ...(v.mapping !== undefined ? { mapping: v.mapping.id } : {}),
    }));
  }

  pagemap(addr: number): PagemapEntry | undefined {
    const mem = this.core.mem;
    const e = this.pt.pmds.get(pmdIndex(addr));
    if (e === undefined) return undefined;
    let pfn: number;
    let bits: number;
    if (e instanceof HugePmd) {
      pfn = e.pfn + pteIndex(addr);
      bits = e.bits;
    } else {
      const i = pteIndex(addr);
      pfn = e.pfn[i] as number;
      bits = e.bits[i] as number;
      if (pfn < 0) return undefined;
    }
    const special = (bits & PTE_SPECIAL) !== 0;
    return {
      pfn,
      present: true,
      writable: (bits & PTE_WRITE) !== 0,
      softDirty: (bits & PTE_SOFT_DIRTY) !== 0,
      mmapExclusive: !special && mem.pageMapcount(pfn) === 1,
      anonExclusive:
        !special &&
        mem.pageAnon(pfn) &&
        (e instanceof HugePmd ? mem.pageAnonExclusive(e.pfn) : mem.pageAnonExclusive(pfn)),
      pmdMapped: e instanceof HugePmd,
    };
  }

  rss(): number {
    return this.rssAnon + this.rssFile;
  }

  /** Replaces the mapping of `oldPfn` at `addr` with `newPfn` (migration). @returns true if it was mapped there */
  replacePte(addr: number, oldPfn: number, newPfn: number): boolean {
    const e = this.pt.pmds.get(pmdIndex(addr));
    if (e === undefined || e instanceof HugePmd) return false;
    const i = pteIndex(addr);
    if (e.pfn[i] !== oldPfn) return false;
    e.pfn[i] = newPfn;
    return true;
  }
}

export { PTE_PRESENT };
