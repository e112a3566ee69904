/**
 * The `vfs` plugin: capability `vfs`, mounts from its `mounts` parameter in `start`.
 * @packageDocumentation
 */
import { definePlugin, EEXIST, Errno, param, type ParamProblem } from '@stackemu/core';
import { MS_RDONLY, Vfs, type VfsImpl } from './vfs.js';
import { vfsModule } from './vfs-module.js';

/** One entry of the vfs plugin's `mounts` parameter. */
export interface MountEntry {
  /** The device (`"nvme0n1"`) or label. */
  readonly source: string;
  /** The mountpoint (`"/"`, `"/mnt"`); created on rootfs when missing. */
  readonly target: string;
  /** The filesystem type (`"iomapfs"`). */
  readonly fstype: string;
  /** Run the type's mkfs on `source` first. */
  readonly mkfs: boolean;
  /** Filesystem mount options (also passed to mkfs). */
  readonly options: string;
  /** Mount read-only. */
  readonly readonly: boolean;
}

function parseMounts(raw: unknown): readonly MountEntry[] | ParamProblem {
  if (!Array.isArray(raw)) return param.problem('expects a list of { source, target, fstype, mkfs?, options? }');
  const out: MountEntry[] = [];
  for (const [i, e] of raw.entries()) {
    if (typeof e !== 'object' || e === null) return param.problem(`entry ${i} is not an object`);
    const o = e as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      if (!['source', 'target', 'fstype', 'mkfs', 'options', 'readonly'].includes(k)) {
        return param.problem(`entry ${i}: unknown key "${k}"`);
      }
    }
    const { source, target, fstype } = o;
    if (typeof source !== 'string' || typeof target !== 'string' || typeof fstype !== 'string') {
      return param.problem(`entry ${i}: source, target and fstype must be strings`);
    }
    if (!target.startsWith('/')) return param.problem(`entry ${i}: target "${target}" is not absolute`);
    const mkfs = o['mkfs'] ?? false;
    const ro = o['readonly'] ?? false;
    const options = o['options'] ?? '';
    if (typeof mkfs !== 'boolean' || typeof ro !== 'boolean')
      return param.problem(`entry ${i}: mkfs and readonly are booleans`);
    if (typeof options !== 'string') return param.problem(`entry ${i}: options must be a string`);
    out.push({ source, target, fstype, mkfs, options, readonly: ro });
  }
  return out;
}

/** The vfs plugin's parameter table. */
export const vfsParamSpec = {
  /** Filesystems to mount at start, in order (each may run the type's mkfs first). */
  mounts: param.custom<readonly MountEntry[]>(
    'mounts',
    [],
    'filesystems to mount at start: [{ source, target, fstype, mkfs, options, readonly }]',
    parseMounts,
  ),
};

/**
 * The `vfs` plugin (capability `vfs`): processes, syscalls, mounts. Requires mm and block; ordered after
 * block-device providers (`blockdev`) so their disks exist when it mounts. Filesystem plugins contribute
 * `FileSystemType`s (capability `fs`); they must not be required by it (they require `vfs`).
 */
export const vfsPlugin = definePlugin({
  name: 'vfs',
  version: '0.1.0',
  description: 'processes, files, mounts, kiocb, syscalls (O_DIRECT, libaio, io_uring), buffered I/O',
  requires: ['mm', 'block'],
  optionalRequires: ['blockdev'],
  provides: ['vfs'],
  params: vfsParamSpec,
  module: vfsModule,
  async start(ctx) {
    // The machine drives virtual time while start runs (mkfs and mount do I/O).
    const vfs = ctx.container.get<VfsImpl>(Vfs);
    await vfs.init();
    const proc = vfs.spawn('mount');
    try {
      for (const m of ctx.params.mounts) {
        if (m.mkfs) {
          const r = await vfs.mkfs(m.source, m.fstype, m.options);
          if (r < 0) throw new Errno(-r, `vfs: mkfs.${m.fstype} ${m.source} failed`);
        }
        if (m.target !== '/') {
          const r = await proc.sys.mkdir(m.target);
          if (r < 0 && r !== -EEXIST) throw new Errno(-r, `vfs: cannot create mountpoint ${m.target}`);
        }
        const r = await vfs.mount(m.source, m.target, m.fstype, m.readonly ? MS_RDONLY : 0, m.options);
        if (r < 0) throw new Errno(-r, `vfs: mount -t ${m.fstype} ${m.source} ${m.target} failed`);
        ctx.log.debug({ mount: m }, 'mounted');
      }
    } finally {
      await proc.exit();
    }
  },
  async stop(ctx) {
    // Ends every process, writes back and unmounts; the machine drives virtual time meanwhile.
    await ctx.container.get<VfsImpl>(Vfs).shutdown();
  },
});
