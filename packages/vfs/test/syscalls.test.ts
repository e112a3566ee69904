import { expect } from 'chai';
import {
  EBADF,
  EEXIST,
  EINVAL,
  EISDIR,
  ENODEV,
  ENOENT,
  ENOTDIR,
  ESPIPE,
  EMFILE,
  EOPNOTSUPP,
  ENAMETOOLONG,
  ENXIO,
} from '@stackemu/core';
import {
  emptyStat,
  FALLOC_FL_PUNCH_HOLE,
  FALLOC_FL_KEEP_SIZE,
  O_APPEND,
  O_CREAT,
  O_DIRECT,
  O_DIRECTORY,
  O_EXCL,
  O_RDONLY,
  O_RDWR,
  O_TRUNC,
  O_WRONLY,
  RWF_NOWAIT,
  SEEK_CUR,
  SEEK_DATA,
  SEEK_END,
  SEEK_HOLE,
  SEEK_SET,
  sIsDir,
  sIsReg,
  type Process,
} from '@stackemu/vfs';
import { makeVfs, type FakeMm } from './fakes.js';
import { memfsType } from './memfs.js';

async function setup(opts: Parameters<typeof memfsType>[1] = {}): Promise<{ p: Process; mm: FakeMm; run: () => Promise<void> }> {
  const { VirtualScheduler } = await import('@stackemu/core');
  void VirtualScheduler;
  let sched!: import('@stackemu/core').Scheduler;
  const schedProxy = {
    sleep: (ns: number) => sched.sleep(ns),
    schedule: (ns: number, fn: () => void) => sched.schedule(ns, fn),
  } as unknown as import('@stackemu/core').Scheduler;
  const t = memfsType(schedProxy, opts);
  const m = await makeVfs([t]);
  sched = m.sched;
  expect(await m.vfs.mount('mem0', '/', 'memfs')).to.equal(0);
  const p = m.vfs.spawn('t');
  return { p, mm: p.mm as unknown as FakeMm, run: async () => void (await m.sched.run()) };
}

/** Runs a syscall promise to completion in virtual time. */
async function sys<T>(run: () => Promise<void>, pr: Promise<T>): Promise<T> {
  await run();
  return pr;
}

describe('Syscalls', () => {
  describe('open()/close()', () => {
    it('creates, opens, and fails as the kernel does', async () => {
      const { p } = await setup();
      expect(await p.sys.open('/a', O_RDONLY)).to.equal(-ENOENT);
      const fd = await p.sys.open('/a', O_CREAT | O_RDWR, 0o644);
      expect(fd).to.equal(0);
      expect(await p.sys.open('/a', O_CREAT | O_EXCL | O_RDWR)).to.equal(-EEXIST);
      expect(await p.sys.open('/a', O_RDONLY | O_DIRECTORY)).to.equal(-ENOTDIR);
      expect(await p.sys.open('/', O_WRONLY)).to.equal(-EISDIR);
      expect(await p.sys.open('/a/b', O_RDONLY)).to.equal(-ENOTDIR);
      expect(await p.sys.open('', O_RDONLY)).to.equal(-ENOENT);
      expect(await p.sys.open('/' + 'x'.repeat(256), O_RDONLY)).to.equal(-ENAMETOOLONG);
      expect(await p.sys.open('/a', 3)).to.equal(-EINVAL);
      expect(await p.sys.close(fd)).to.equal(0);
      expect(await p.sys.close(fd)).to.equal(-EBADF);
    });

    it('hands out the lowest free descriptor and stops at RLIMIT_NOFILE', async () => {
      const { p } = await setup();
      await p.sys.open('/f', O_CREAT | O_RDWR);
      const fds: number[] = [];
      for (let i = 1; i < 1024; i++) fds.push(await p.sys.open('/f', O_RDONLY));
      expect(fds[fds.length - 1]).to.equal(1023);
      expect(await p.sys.open('/f', O_RDONLY)).to.equal(-EMFILE);
      await p.sys.close(7);
      expect(await p.sys.open('/f', O_RDONLY)).to.equal(7);
    });

    it('refuses O_DIRECT with EINVAL when the filesystem does not set FMODE_CAN_ODIRECT', async () => {
      const { p } = await setup({ nodio: true });
      expect(await p.sys.open('/d', O_CREAT | O_RDWR | O_DIRECT)).to.equal(-EINVAL);
      const ok = await setup();
      expect(await ok.p.sys.open('/d', O_CREAT | O_RDWR | O_DIRECT)).to.be.at.least(0);
    });

    it('truncates with O_TRUNC', async () => {
      const { p, mm } = await setup();
      const fd = await p.sys.open('/t', O_CREAT | O_RDWR);
      mm.copyToUser(0x10000, new Uint8Array(100).fill(7), 0, 100);
      expect(await p.sys.write(fd, 0x10000, 100)).to.equal(100);
      const fd2 = await p.sys.open('/t', O_RDWR | O_TRUNC);
      const st = emptyStat();
      expect(p.sys.fstat(fd2, st)).to.equal(0);
      expect(st.size).to.equal(0);
    });
  });

  describe('read()/write()/pread()/pwrite()', () => {
    it('moves bytes and the file position', async () => {
      const { p, mm, run } = await setup();
      const fd = await p.sys.open('/f', O_CREAT | O_RDWR);
      mm.copyToUser(0x20000, new TextEncoder().encode('hello world'), 0, 11);
      expect(await p.sys.write(fd, 0x20000, 11)).to.equal(11);
      expect(await p.sys.lseek(fd, 0, SEEK_CUR)).to.equal(11);
      expect(await p.sys.pread(fd, 0x30000, 5, 6)).to.equal(5);
      const out = new Uint8Array(5);
      mm.copyFromUser(out, 0, 0x30000, 5);
      expect(new TextDecoder().decode(out)).to.equal('world');
      expect(await p.sys.read(fd, 0x30000, 10)).to.equal(0); // at EOF
      expect(await p.sys.lseek(fd, 0, SEEK_SET)).to.equal(0);
      expect(await sys(run, p.sys.read(fd, 0x30000, 100))).to.equal(11);
      expect(await p.sys.pread(fd, 0x30000, 5, -1)).to.equal(-EINVAL);
      expect(await p.sys.read(99, 0x30000, 5)).to.equal(-EBADF);
    });

    it('checks the open mode: EBADF for the wrong direction', async () => {
      const { p } = await setup();
      const w = await p.sys.open('/f', O_CREAT | O_WRONLY);
      expect(await p.sys.read(w, 0x10000, 1)).to.equal(-EBADF);
      const r = await p.sys.open('/f', O_RDONLY);
      expect(await p.sys.write(r, 0x10000, 1)).to.equal(-EBADF);
    });

    it('appends with O_APPEND', async () => {
      const { p, mm } = await setup();
      const fd = await p.sys.open('/f', O_CREAT | O_RDWR | O_APPEND);
      mm.copyToUser(0x10000, new Uint8Array([1, 2, 3]), 0, 3);
      await p.sys.write(fd, 0x10000, 3);
      await p.sys.pwrite(fd, 0x10000, 3, 0);
      const st = emptyStat();
      p.sys.fstat(fd, st);
      expect(st.size).to.equal(6);
    });

    it('O_DIRECT: misaligned offset, length or buffer gets EINVAL; aligned I/O sleeps in virtual time', async () => {
      const { p, mm, run } = await setup();
      const fd = await p.sys.open('/d', O_CREAT | O_RDWR | O_DIRECT);
      mm.copyToUser(0x40000, new Uint8Array(4096).fill(9), 0, 4096);
      expect(await p.sys.pwrite(fd, 0x40000, 4096, 100)).to.equal(-EINVAL);
      expect(await p.sys.pwrite(fd, 0x40000, 100, 0)).to.equal(-EINVAL);
      expect(await p.sys.pwrite(fd, 0x40000 + 100, 4096, 0)).to.equal(-EINVAL);
      expect(await sys(run, p.sys.pwrite(fd, 0x40000, 4096, 0))).to.equal(4096);
      expect(await sys(run, p.sys.pread(fd, 0x50000, 4096, 0))).to.equal(4096);
    });

    it('vectored I/O and RWF flags', async () => {
      const { p, mm } = await setup();
      const fd = await p.sys.open('/v', O_CREAT | O_RDWR);
      mm.copyToUser(0x10000, new Uint8Array([1, 2]), 0, 2);
      mm.copyToUser(0x20000, new Uint8Array([3, 4, 5]), 0, 3);
      const iov = [
        { iovBase: 0x10000, iovLen: 2 },
        { iovBase: 0x20000, iovLen: 3 },
      ];
      expect(await p.sys.pwritev(fd, iov, 0)).to.equal(5);
      expect(await p.sys.preadv2(fd, [{ iovBase: 0x30000, iovLen: 5 }], 0, 0)).to.equal(5);
      const out = new Uint8Array(5);
      mm.copyFromUser(out, 0, 0x30000, 5);
      expect([...out]).to.deep.equal([1, 2, 3, 4, 5]);
      expect(await p.sys.preadv2(fd, iov, 0, 0x100)).to.equal(-EOPNOTSUPP);
      expect(await p.sys.preadv2(fd, iov, 0, RWF_NOWAIT)).to.equal(-EOPNOTSUPP); // no FMODE_NOWAIT
      expect(await p.sys.writev(fd, iov)).to.equal(5);
      expect(await p.sys.lseek(fd, 0, SEEK_CUR)).to.equal(5);
    });
  });

  describe('lseek()', () => {
    it('implements SEEK_SET/CUR/END/DATA/HOLE as generic_file_llseek', async () => {
      const { p } = await setup();
      const fd = await p.sys.open('/s', O_CREAT | O_RDWR);
      expect(await p.sys.ftruncate(fd, 1000)).to.equal(0);
      expect(await p.sys.lseek(fd, 10, SEEK_SET)).to.equal(10);
      expect(await p.sys.lseek(fd, 5, SEEK_CUR)).to.equal(15);
      expect(await p.sys.lseek(fd, -1, SEEK_END)).to.equal(999);
      expect(await p.sys.lseek(fd, 10, SEEK_DATA)).to.equal(10);
      expect(await p.sys.lseek(fd, 10, SEEK_HOLE)).to.equal(1000);
      expect(await p.sys.lseek(fd, 1000, SEEK_DATA)).to.equal(-ENXIO);
      expect(await p.sys.lseek(fd, -1, SEEK_SET)).to.equal(-EINVAL);
      expect(await p.sys.lseek(fd, 0, 7)).to.equal(-EINVAL);
      expect(await p.sys.lseek(42, 0, SEEK_SET)).to.equal(-EBADF);
    });
  });

  describe('ftruncate()/fallocate()/fsync()', () => {
    it('validate their arguments', async () => {
      const { p, run } = await setup();
      const fd = await p.sys.open('/x', O_CREAT | O_RDWR);
      const ro = await p.sys.open('/x', O_RDONLY);
      expect(await p.sys.ftruncate(fd, -1)).to.equal(-EINVAL);
      expect(await p.sys.ftruncate(ro, 10)).to.equal(-EINVAL);
      expect(await p.sys.fallocate(fd, 0, -1, 10)).to.equal(-EINVAL);
      expect(await p.sys.fallocate(fd, 0, 0, 0)).to.equal(-EINVAL);
      expect(await p.sys.fallocate(fd, FALLOC_FL_PUNCH_HOLE, 0, 10)).to.equal(-EOPNOTSUPP);
      expect(await p.sys.fallocate(fd, 0x8000, 0, 10)).to.equal(-EOPNOTSUPP);
      expect(await p.sys.fallocate(ro, 0, 0, 10)).to.equal(-EBADF);
      expect(await p.sys.fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 10)).to.equal(0);
      expect(await p.sys.fallocate(fd, 0, 0, 4096)).to.equal(0);
      expect(await sys(run, p.sys.fsync(fd))).to.equal(0);
      expect(await p.sys.fsync(77)).to.equal(-EBADF);
    });
  });

  describe('mkdir()/unlink()/stat()', () => {
    it('manage the namespace', async () => {
      const { p } = await setup();
      expect(await p.sys.mkdir('/d')).to.equal(0);
      expect(await p.sys.mkdir('/d')).to.equal(-EEXIST);
      expect(await p.sys.mkdir('/no/d')).to.equal(-ENOENT);
      const fd = await p.sys.open('/d/f', O_CREAT | O_RDWR);
      expect(fd).to.be.at.least(0);
      const st = emptyStat();
      expect(await p.sys.stat('/d', st)).to.equal(0);
      expect(sIsDir(st.mode)).to.equal(true);
      expect(await p.sys.stat('/d/f', st)).to.equal(0);
      expect(sIsReg(st.mode)).to.equal(true);
      expect(await p.sys.unlink('/d')).to.equal(-EISDIR);
      expect(await p.sys.unlink('/d/f')).to.equal(0);
      expect(await p.sys.unlink('/d/f')).to.equal(-ENOENT);
      expect(await p.sys.stat('/d/f', st)).to.equal(-ENOENT);
      expect(await p.sys.stat('/d/../d/./', st)).to.equal(0);
    });
  });

  describe('mmap()', () => {
    it('maps a file through mm with the page offset, and checks access', async () => {
      const { p, mm } = await setup();
      const fd = await p.sys.open('/m', O_CREAT | O_RDWR);
      const ro = await p.sys.open('/m', O_RDONLY);
      const a = p.sys.mmap(0, 8192, 3, 1, fd, 4096);
      expect(a).to.be.greaterThan(0);
      expect(mm.mmaps[0]?.pgoff).to.equal(1);
      expect(mm.mmaps[0]?.file).to.equal(p.sys.file(fd));
      expect(p.sys.mmap(0, 8192, 3, 1, fd, 100)).to.equal(-EINVAL);
      expect(p.sys.mmap(0, 8192, 3, 1, ro, 0)).to.equal(-13); // EACCES: shared writable, read-only fd
      expect(p.sys.mmap(0, 8192, 1, 1, 55, 0)).to.equal(-EBADF);
    });
  });

  describe('Vfs.mount()', () => {
    it('refuses unknown types and non-directories', async () => {
      const { p } = await setup();
      const fd = await p.sys.open('/file', O_CREAT | O_RDWR);
      await p.sys.close(fd);
      const { vfs } = await makeVfs([]);
      expect(await vfs.mount('x', '/', 'nofs')).to.equal(-ENODEV);
      void ESPIPE;
    });
  });
});
