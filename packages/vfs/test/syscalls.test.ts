import { expect } from 'chai';
import {
  EACCES,
  EBADF,
  EEXIST,
  EFAULT,
  EINVAL,
  EISDIR,
  EMFILE,
  ENAMETOOLONG,
  ENODEV,
  ENOENT,
  ENOTDIR,
  ENXIO,
  EOPNOTSUPP,
} from '@stackemu/core';
import { MAP_PRIVATE, MAP_SHARED, PROT_READ, PROT_WRITE } from '@stackemu/mm';
import {
  emptyStat,
  FALLOC_FL_KEEP_SIZE,
  FALLOC_FL_PUNCH_HOLE,
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
} from '@stackemu/vfs';
import { rig } from './support/machine.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('Syscalls', () => {
  describe('open()/close()', () => {
    it('creates, opens, and fails as the kernel does', async () => {
      const { p, run } = await rig();
      await run(async () => {
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
    });

    it('hands out the lowest free descriptor and stops at RLIMIT_NOFILE', async () => {
      const { p, run } = await rig();
      await run(async () => {
        await p.sys.open('/f', O_CREAT | O_RDWR);
        const fds: number[] = [];
        for (let i = 1; i < 1024; i++) fds.push(await p.sys.open('/f', O_RDONLY));
        expect(fds[fds.length - 1]).to.equal(1023);
        expect(await p.sys.open('/f', O_RDONLY)).to.equal(-EMFILE);
        await p.sys.close(7);
        expect(await p.sys.open('/f', O_RDONLY)).to.equal(7);
      });
    });

    it('refuses O_DIRECT with EINVAL when the filesystem does not set FMODE_CAN_ODIRECT', async () => {
      const no = await rig({ memfs: { nodio: true } });
      expect(await no.run(() => no.p.sys.open('/d', O_CREAT | O_RDWR | O_DIRECT))).to.equal(-EINVAL);
      const ok = await rig();
      expect(await ok.run(() => ok.p.sys.open('/d', O_CREAT | O_RDWR | O_DIRECT))).to.be.at.least(0);
    });

    it('truncates with O_TRUNC', async () => {
      const { p, run, buf } = await rig();
      const a = buf(100, 7);
      await run(async () => {
        const fd = await p.sys.open('/t', O_CREAT | O_RDWR);
        expect(await p.sys.write(fd, a, 100)).to.equal(100);
        const fd2 = await p.sys.open('/t', O_RDWR | O_TRUNC);
        const st = emptyStat();
        expect(p.sys.fstat(fd2, st)).to.equal(0);
        expect(st.size).to.equal(0);
        expect(await p.sys.pread(fd2, a, 100, 0)).to.equal(0);
      });
    });
  });

  describe('read()/write()/pread()/pwrite()', () => {
    it('moves bytes and the file position', async () => {
      const { p, run, buf, peek } = await rig();
      const src = buf(11, text('hello world'));
      const dst = buf(4096);
      await run(async () => {
        const fd = await p.sys.open('/f', O_CREAT | O_RDWR);
        expect(await p.sys.write(fd, src, 11)).to.equal(11);
        expect(await p.sys.lseek(fd, 0, SEEK_CUR)).to.equal(11);
        expect(await p.sys.pread(fd, dst, 5, 6)).to.equal(5);
        expect(new TextDecoder().decode(peek(dst, 5))).to.equal('world');
        expect(await p.sys.read(fd, dst, 10)).to.equal(0); // at EOF
        expect(await p.sys.lseek(fd, 0, SEEK_SET)).to.equal(0);
        expect(await p.sys.read(fd, dst, 100)).to.equal(11);
        expect(await p.sys.pread(fd, dst, 5, -1)).to.equal(-EINVAL);
        expect(await p.sys.read(99, dst, 5)).to.equal(-EBADF);
      });
    });

    it('fails with EFAULT on an unmapped buffer', async () => {
      const { p, run } = await rig();
      await run(async () => {
        const fd = await p.sys.open('/f', O_CREAT | O_RDWR);
        expect(await p.sys.write(fd, 0x7000_0000, 10)).to.equal(-EFAULT);
        expect(await p.sys.ftruncate(fd, 100)).to.equal(0);
        expect(await p.sys.read(fd, 0x7000_0000, 10)).to.equal(-EFAULT);
        expect(await p.sys.read(fd, -4096, 10)).to.equal(-EFAULT);
      });
    });

    it('checks the open mode: EBADF for the wrong direction', async () => {
      const { p, run, buf } = await rig();
      const a = buf(4096);
      await run(async () => {
        const w = await p.sys.open('/f', O_CREAT | O_WRONLY);
        expect(await p.sys.read(w, a, 1)).to.equal(-EBADF);
        const r = await p.sys.open('/f', O_RDONLY);
        expect(await p.sys.write(r, a, 1)).to.equal(-EBADF);
      });
    });

    it('appends with O_APPEND', async () => {
      const { p, run, buf } = await rig();
      const a = buf(3, new Uint8Array([1, 2, 3]));
      await run(async () => {
        const fd = await p.sys.open('/f', O_CREAT | O_RDWR | O_APPEND);
        await p.sys.write(fd, a, 3);
        await p.sys.pwrite(fd, a, 3, 0);
        const st = emptyStat();
        p.sys.fstat(fd, st);
        expect(st.size).to.equal(6);
      });
    });

    it('O_DIRECT: misaligned offset, length or buffer gets EINVAL; aligned I/O takes virtual time', async () => {
      const { p, run, buf, peek, machine } = await rig();
      const a = buf(8192, 9);
      const b = buf(4096);
      await run(async () => {
        const fd = await p.sys.open('/d', O_CREAT | O_RDWR | O_DIRECT);
        expect(await p.sys.pwrite(fd, a, 4096, 100)).to.equal(-EINVAL);
        expect(await p.sys.pwrite(fd, a, 100, 0)).to.equal(-EINVAL);
        expect(await p.sys.pwrite(fd, a + 100, 4096, 0)).to.equal(-EINVAL);
        const t0 = machine.scheduler.now();
        expect(await p.sys.pwrite(fd, a, 4096, 0)).to.equal(4096);
        expect(machine.scheduler.now() - t0).to.equal(1000);
        expect(await p.sys.pread(fd, b, 4096, 0)).to.equal(4096);
        expect(peek(b, 4096).every((x) => x === 9)).to.equal(true);
      });
    });

    it('vectored I/O and RWF flags', async () => {
      const { p, run, buf, peek } = await rig();
      const a = buf(2, new Uint8Array([1, 2]));
      const b = buf(3, new Uint8Array([3, 4, 5]));
      const c = buf(4096);
      const iov = [
        { iovBase: a, iovLen: 2 },
        { iovBase: b, iovLen: 3 },
      ];
      await run(async () => {
        const fd = await p.sys.open('/v', O_CREAT | O_RDWR);
        expect(await p.sys.pwritev(fd, iov, 0)).to.equal(5);
        expect(await p.sys.preadv2(fd, [{ iovBase: c, iovLen: 5 }], 0, 0)).to.equal(5);
        expect([...peek(c, 5)]).to.deep.equal([1, 2, 3, 4, 5]);
        expect(
          await p.sys.preadv(
            fd,
            [
              { iovBase: c, iovLen: 1 },
              { iovBase: c + 100, iovLen: 4 },
            ],
            0,
          ),
        ).to.equal(5);
        expect([...peek(c + 100, 4)]).to.deep.equal([2, 3, 4, 5]);
        expect(await p.sys.preadv2(fd, iov, 0, 0x100)).to.equal(-EOPNOTSUPP);
        expect(await p.sys.preadv2(fd, iov, 0, RWF_NOWAIT)).to.equal(-EOPNOTSUPP); // no FMODE_NOWAIT
        expect(await p.sys.writev(fd, iov)).to.equal(5);
        expect(await p.sys.lseek(fd, 0, SEEK_CUR)).to.equal(5);
        const big = Array.from({ length: 1025 }, () => ({ iovBase: c, iovLen: 1 }));
        expect(await p.sys.readv(fd, big)).to.equal(-EINVAL); // UIO_MAXIOV
      });
    });
  });

  describe('lseek()', () => {
    it('implements SEEK_SET/CUR/END/DATA/HOLE as generic_file_llseek', async () => {
      const { p, run } = await rig();
      await run(async () => {
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
  });

  describe('ftruncate()/fallocate()/fsync()', () => {
    it('validate their arguments', async () => {
      const { p, run } = await rig();
      await run(async () => {
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
        const st = emptyStat();
        p.sys.fstat(fd, st);
        expect(st.size).to.equal(4096);
        expect(await p.sys.fsync(fd)).to.equal(0);
        expect(await p.sys.fsync(77)).to.equal(-EBADF);
      });
    });
  });

  describe('mkdir()/unlink()/stat()', () => {
    it('manage the namespace', async () => {
      const { p, run } = await rig();
      await run(async () => {
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
  });

  describe('mmap()', () => {
    it('maps a file through mm: stores reach the page cache and read() sees them', async () => {
      const { p, run, mm, buf, peek } = await rig();
      const dst = buf(4096);
      await run(async () => {
        const fd = await p.sys.open('/m', O_CREAT | O_RDWR);
        expect(await p.sys.ftruncate(fd, 8192)).to.equal(0);
        const a = p.sys.mmap(0, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 4096);
        expect(a).to.be.greaterThan(0);
        expect(mm.vmas().find((v) => v.start === a)?.pgoff).to.equal(1);
        // A store to a file page needs the page read in first (the fault waits in virtual time).
        expect(await mm.faultInWriteable(a, 10)).to.equal(0);
        expect(mm.copyToUser(a, text('mapped'), 0, 6)).to.equal(0);
        expect(await p.sys.pread(fd, dst, 6, 4096)).to.equal(6);
        expect(new TextDecoder().decode(peek(dst, 6))).to.equal('mapped');
        expect(p.sys.munmap(a, 8192)).to.equal(0);
      });
    });

    it('checks offset, descriptor and access', async () => {
      const { p, run } = await rig();
      await run(async () => {
        const fd = await p.sys.open('/m', O_CREAT | O_RDWR);
        const ro = await p.sys.open('/m', O_RDONLY);
        expect(p.sys.mmap(0, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 100)).to.equal(-EINVAL);
        expect(p.sys.mmap(0, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0)).to.equal(-EACCES);
        expect(p.sys.mmap(0, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, ro, 0)).to.be.greaterThan(0);
        expect(p.sys.mmap(0, 8192, PROT_READ, MAP_SHARED, 55, 0)).to.equal(-EBADF);
        const dir = await p.sys.open('/', O_RDONLY);
        expect(p.sys.mmap(0, 4096, PROT_READ, MAP_SHARED, dir, 0)).to.equal(-ENODEV); // no mmap op
      });
    });
  });

  describe('Vfs.mount()', () => {
    it('refuses unknown types and non-directories', async () => {
      const { vfs, p, run } = await rig();
      await run(async () => {
        const fd = await p.sys.open('/file', O_CREAT | O_RDWR);
        await p.sys.close(fd);
        expect(await vfs.mount('x', '/', 'nofs')).to.equal(-ENODEV);
        expect(await vfs.mount('x', '/file', 'memfs')).to.equal(-ENOTDIR);
        expect(await vfs.mount('x', '/none', 'memfs')).to.equal(-ENOENT);
      });
    });
  });
});
