/**
 * A plain physical memory for device-model tests (the real one is mm's PhysMem): sparse pages, a bump allocator
 * with free lists, and a DMA checker that reports DMA to pages not allocated.
 */
export class FakeMem {
  readonly pages = new Map<number, Uint8Array>();
  readonly allocated = new Set<number>();
  readonly dmaFindings: { pfn: number; write: boolean; who: string }[] = [];
  private next: number;
  private readonly freeLists = new Map<number, number[]>();

  constructor(
    readonly ramBytes = 1 << 30,
    firstPfn = 0x100,
  ) {
    this.next = firstPfn;
  }

  read(paddr: number, dst: Uint8Array, dstOff: number, len: number): void {
    let done = 0;
    while (done < len) {
      const a = paddr + done;
      const pfn = Math.floor(a / 4096);
      const o = a % 4096;
      const n = Math.min(4096 - o, len - done);
      const p = this.pages.get(pfn);
      if (p === undefined) dst.fill(0, dstOff + done, dstOff + done + n);
      else dst.set(p.subarray(o, o + n), dstOff + done);
      done += n;
    }
  }

  write(paddr: number, src: Uint8Array, srcOff: number, len: number): void {
    let done = 0;
    while (done < len) {
      const a = paddr + done;
      const pfn = Math.floor(a / 4096);
      const o = a % 4096;
      const n = Math.min(4096 - o, len - done);
      let p = this.pages.get(pfn);
      if (p === undefined) {
        p = new Uint8Array(4096);
        this.pages.set(pfn, p);
      }
      p.set(src.subarray(srcOff + done, srcOff + done + n), o);
      done += n;
    }
  }

  allocPages(order: number): number {
    const l = this.freeLists.get(order);
    let pfn: number;
    if (l !== undefined && l.length > 0) pfn = l.pop() as number;
    else {
      const n = 1 << order;
      pfn = Math.ceil(this.next / n) * n;
      this.next = pfn + n;
      if (this.next * 4096 > this.ramBytes) return -12;
    }
    for (let i = 0; i < 1 << order; i++) this.allocated.add(pfn + i);
    return pfn;
  }

  freePages(pfn: number, order: number): void {
    for (let i = 0; i < 1 << order; i++) {
      this.allocated.delete(pfn + i);
      this.pages.delete(pfn + i);
    }
    let l = this.freeLists.get(order);
    if (l === undefined) {
      l = [];
      this.freeLists.set(order, l);
    }
    l.push(pfn);
  }

  checkDma(pfn: number, write: boolean, who: string): void {
    if (!this.allocated.has(pfn)) this.dmaFindings.push({ pfn, write, who });
  }

  /** Marks a page range allocated without the allocator (tests placing buffers at fixed addresses). */
  own(paddr: number, len: number): void {
    for (let p = Math.floor(paddr / 4096); p <= Math.floor((paddr + len - 1) / 4096); p++) this.allocated.add(p);
  }

  bytes(paddr: number, len: number): Uint8Array {
    const b = new Uint8Array(len);
    this.read(paddr, b, 0, len);
    return b;
  }

  fill(paddr: number, len: number, v: number): void {
    this.write(paddr, new Uint8Array(len).fill(v), 0, len);
  }

  u64(paddr: number, v: number): void {
    const b = new Uint8Array(8);
    const dv = new DataView(b.buffer);
    dv.setUint32(0, v >>> 0, true);
    dv.setUint32(4, Math.floor(v / 0x100000000), true);
    this.write(paddr, b, 0, 8);
  }
}
