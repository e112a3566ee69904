/**
 * Fault injection specifications: what a stack config's `faults` list (or a test at run time) can ask a device to do.
 * @packageDocumentation
 */
import { param, type ParamDef, type ParamProblem } from '@stackemu/core';

/** A fault, as parsed from a stack config entry (snake_case keys there, camelCase here). */
export type DeviceFaultSpec =
  /** F-N3 / F-V2: reads of `count` blocks from `lba` fail (Unrecovered Read Error; IOERR for virtio) until rewritten. */
  | {
      /** The fault type. */ readonly type: 'media_error';
      /** Namespace id (NVMe; ignored by virtio-blk). */ readonly nsid: number;
      /** First logical block. */ readonly lba: number;
      /** How many blocks, commands, interrupts or transactions. */ readonly count: number;
      /** Virtual time (ns) at which it takes effect (0: at once). */ readonly atNs: number;
    }
  /** F-N3: writes of `count` blocks from `lba` fail with Write Fault. */
  | {
      /** The fault type. */ readonly type: 'write_fault';
      /** Namespace id (NVMe; ignored by virtio-blk). */ readonly nsid: number;
      /** First logical block. */ readonly lba: number;
      /** How many blocks, commands, interrupts or transactions. */ readonly count: number;
      /** Virtual time (ns) at which it takes effect (0: at once). */ readonly atNs: number;
    }
  /** F-N1: the next `count` commands (of `opcode`, or any: -1) are fetched and never completed. */
  | {
      /** The fault type. */ readonly type: 'timeout';
      /** How many blocks, commands, interrupts or transactions. */ readonly count: number;
      /** Opcode it applies to (-1: any). */ readonly opcode: number;
      /** Virtual time (ns) at which it takes effect (0: at once). */ readonly atNs: number;
    }
  /** F-N2: the next `count` interrupts are lost. */
  | {
      /** The fault type. */ readonly type: 'lost_interrupt';
      /** How many blocks, commands, interrupts or transactions. */ readonly count: number;
      /** Virtual time (ns) at which it takes effect (0: at once). */ readonly atNs: number;
    }
  /** F-N4: the next `count` commands complete with `status` (`SCT << 8 | SC` plus DNR 0x4000). */
  | {
      /** The fault type. */ readonly type: 'status';
      /** `SCT << 8 | SC`, plus DNR (0x4000) when set. */ readonly status: number;
      /** How many blocks, commands, interrupts or transactions. */ readonly count: number;
      /** Opcode it applies to (-1: any). */ readonly opcode: number;
      /** Virtual time (ns) at which it takes effect (0: at once). */ readonly atNs: number;
    }
  /** F-N6: the controller becomes fatal (CSTS.CFS). */
  | {
      /** The fault type. */ readonly type: 'controller_fatal';
      /** Virtual time (ns) at which it takes effect (0: at once). */ readonly atNs: number;
    }
  /** The host resets the controller (`nvme_reset_ctrl()`), I/O in flight or not. */
  | {
      /** The fault type. */ readonly type: 'controller_reset';
      /** Virtual time (ns) at which it takes effect (0: at once). */ readonly atNs: number;
    }
  /** F-D1/F-D5: the next `count` DMA transactions (writes, reads or both) fail, optionally after `tornBytes`. */
  | {
      /** The fault type. */ readonly type: 'dma_fault';
      /** How many blocks, commands, interrupts or transactions. */ readonly count: number;
      /** Only device writes (true), only reads (false), or both (undefined). */ readonly write: boolean | undefined;
      /** Bytes the failing transaction still moves. */ readonly tornBytes: number;
      /** Virtual time (ns) at which it takes effect (0: at once). */ readonly atNs: number;
    }
  /** F-N9: power loss (unflushed volatile-cache writes lost, in-flight commands aborted). */
  | {
      /** The fault type. */ readonly type: 'power_loss';
      /** Virtual time (ns) at which it takes effect (0: at once). */ readonly atNs: number;
    }
  /** F-N8: the next `count` CQEs are followed by a stale duplicate. */
  | {
      /** The fault type. */ readonly type: 'duplicate_cqe';
      /** How many blocks, commands, interrupts or transactions. */ readonly count: number;
      /** Virtual time (ns) at which it takes effect (0: at once). */ readonly atNs: number;
    }
  /** F-N7: the function disappears (registers read all ones, DMA stops). */
  | {
      /** The fault type. */ readonly type: 'surprise_removal';
      /** Virtual time (ns) at which it takes effect (0: at once). */ readonly atNs: number;
    }
  /** F-V1: the virtio device sets DEVICE_NEEDS_RESET. */
  | {
      /** The fault type. */ readonly type: 'needs_reset';
      /** Virtual time (ns) at which it takes effect (0: at once). */ readonly atNs: number;
    };

/** Every fault type name. */
export const FAULT_TYPES = [
  'media_error',
  'write_fault',
  'timeout',
  'lost_interrupt',
  'status',
  'controller_fatal',
  'controller_reset',
  'dma_fault',
  'power_loss',
  'duplicate_cqe',
  'surprise_removal',
  'needs_reset',
] as const;

const OPCODES: Readonly<Record<string, number>> = { any: -1, flush: 0, write: 1, read: 2, write_zeroes: 8, dsm: 9 };

function num(o: Readonly<Record<string, unknown>>, k: string, def: number | undefined): number | string {
  const v = o[k];
  if (v === undefined) return def ?? `${k} is required`;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  if (typeof v === 'string' && /^(0x[0-9a-f]+|\d+)$/i.test(v)) return Number(v);
  return `${k} must be a non-negative integer, got ${JSON.stringify(v)}`;
}

/**
 * Parses one fault entry.
 * @returns the spec, or a string saying what is wrong.
 */
export function parseFault(raw: unknown, statusNames: Readonly<Record<string, number>> = {}): DeviceFaultSpec | string {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return `a fault must be an object, got ${JSON.stringify(raw)}`;
  const o = raw as Readonly<Record<string, unknown>>;
  const type = o['type'];
  if (typeof type !== 'string' || !(FAULT_TYPES as readonly string[]).includes(type)) {
    return `fault type ${JSON.stringify(type)} is not one of ${FAULT_TYPES.join(', ')}`;
  }
  const atNs = num(o, 'at_ns', 0);
  if (typeof atNs === 'string') return atNs;
  const count = num(o, 'count', 1);
  if (typeof count === 'string') return count;
  let opcode = -1;
  if (o['opcode'] !== undefined) {
    const op = o['opcode'];
    if (typeof op === 'string' && op in OPCODES) opcode = OPCODES[op] as number;
    else if (typeof op === 'number' && Number.isInteger(op) && op >= 0 && op < 256) opcode = op;
    else return `opcode ${JSON.stringify(op)} is not a name (${Object.keys(OPCODES).join(', ')}) or 0..255`;
  }
  switch (type) {
    case 'media_error':
    case 'write_fault': {
      const lba = num(o, 'lba', undefined);
      if (typeof lba === 'string') return lba;
      const nsid = num(o, 'nsid', 1);
      if (typeof nsid === 'string') return nsid;
      return { type, nsid, lba, count, atNs };
    }
    case 'timeout':
      return { type, count, opcode, atNs };
    case 'lost_interrupt':
    case 'duplicate_cqe':
      return { type, count, atNs };
    case 'status': {
      const s = o['status'];
      let status: number;
      if (typeof s === 'string' && s in statusNames) status = statusNames[s] as number;
      else {
        const n = num(o, 'status', undefined);
        if (typeof n === 'string') return n;
        status = n;
      }
      if (o['dnr'] === true) status |= 0x4000;
      return { type, status, count, opcode, atNs };
    }
    case 'dma_fault': {
      const w = o['write'];
      if (w !== undefined && typeof w !== 'boolean') return `write must be a boolean, got ${JSON.stringify(w)}`;
      const torn = num(o, 'torn_bytes', 0);
      if (typeof torn === 'string') return torn;
      return { type, count, write: w, tornBytes: torn, atNs };
    }
    default:
      return { type: type as 'controller_fatal', atNs };
  }
}

/**
 * A `faults` parameter: a list of fault objects checked at stack-config time.
 * @param supported - the fault types this device implements (others are refused, naming them)
 */
export function faultsParam(
  supported: readonly DeviceFaultSpec['type'][],
  statusNames: Readonly<Record<string, number>> = {},
): ParamDef<readonly DeviceFaultSpec[]> {
  return param.custom<readonly DeviceFaultSpec[]>(
    'fault[]',
    [],
    `faults to inject: list of { type: ${supported.join('|')}, … } (see DeviceFaultSpec)`,
    (raw): readonly DeviceFaultSpec[] | ParamProblem => {
      if (!Array.isArray(raw)) return param.problem(`expects a list of faults, got ${JSON.stringify(raw)}`);
      const out: DeviceFaultSpec[] = [];
      for (const r of raw as unknown[]) {
        const f = parseFault(r, statusNames);
        if (typeof f === 'string') return param.problem(f);
        if (!supported.includes(f.type)) return param.problem(`fault type ${f.type} is not supported by this device`);
        out.push(f);
      }
      return out;
    },
  );
}
