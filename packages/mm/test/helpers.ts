/**
 * Test helpers: a machine with the mm plugin and handles to its services.
 * @packageDocumentation
 */
import { createLogger, createMachine, type CounterRegistry, type Machine } from '@stackemu/core';
import {
  Flusher,
  Gup,
  Mm,
  mmPlugin,
  PhysMem,
  Sanitizer,
  type MmStruct,
  type RefOwner,
  type SanitizerFinding,
} from '@stackemu/mm';

/** Everything a test needs. */
export interface MmWorld {
  readonly machine: Machine;
  readonly mm: Mm;
  readonly gup: Gup;
  readonly mem: PhysMem;
  readonly san: Sanitizer;
  readonly flusher: Flusher;
  readonly counters: CounterRegistry;
  /** vmstat counter value. */
  vm(name: string): number;
  /** `nr_foll_pin_acquired - nr_foll_pin_released`. */
  pinsOutstanding(): number;
  /** Sanitizer findings of one kind. */
  findings(kind?: SanitizerFinding['kind']): readonly SanitizerFinding[];
}

/** Builds a machine with only the mm plugin. */
export async function mmWorld(params: Record<string, unknown> = {}): Promise<MmWorld> {
  const machine = await createMachine(
    { name: 't', plugins: [{ name: 'mm', params: { mem: '256m', ...params } }] },
    [mmPlugin],
    { logger: createLogger({ level: 'silent' }) },
  );
  const counters = machine.counters;
  const san = machine.get<Sanitizer>(Sanitizer);
  return {
    machine,
    mm: machine.get<Mm>(Mm),
    gup: machine.get<Gup>(Gup),
    mem: machine.get<PhysMem>(PhysMem),
    san,
    flusher: machine.get<Flusher>(Flusher),
    counters,
    vm: (name) => counters.get(name)?.value ?? Number.NaN,
    pinsOutstanding: () =>
      (counters.get('nr_foll_pin_acquired')?.value ?? 0) - (counters.get('nr_foll_pin_released')?.value ?? 0),
    findings: (kind) => san.findings().filter((f) => kind === undefined || f.kind === kind),
  };
}

/** A named reference owner. */
export function owner(name: string): RefOwner {
  return { refOwnerName: () => name };
}

/** Fills `len` bytes at `addr` with `byte` through the process's stores. */
export function memset(mm: MmStruct, addr: number, byte: number, len: number): number {
  return mm.copyToUser(addr, new Uint8Array(len).fill(byte), 0, len);
}

/** Reads `len` bytes at `addr` through the process's loads. */
export function peek(mm: MmStruct, addr: number, len: number): Uint8Array {
  const b = new Uint8Array(len);
  const left = mm.copyFromUser(b, 0, addr, len);
  if (left !== 0) throw new Error(`peek: ${left} bytes not copied at 0x${addr.toString(16)}`);
  return b;
}

/** Reads a page's bytes through physical memory (what a pin or DMA sees). */
export function physPage(mem: PhysMem, pfn: number, len = 4096): Uint8Array {
  const b = new Uint8Array(len);
  mem.read(pfn * 4096, b, 0, len);
  return b;
}
