import { expect } from 'chai';
import { runFio, type FioRunResult } from '@stackemu/fio';
import { FakeKernel } from './fake-kernel.js';

interface JobJson {
  jobname: string;
  error: number;
  read: { total_ios: number; io_bytes: number };
  write: { total_ios: number; io_bytes: number };
}

/** fio's examples/surface-scan.fio. */
const SURFACE_SCAN = `; writes 512 byte verification blocks until the disk is full,
; then verifies written data
[global]
thread
bs=64k
direct=1
ioengine=sync
verify=meta
verify_pattern=0xaa555aa5
verify_interval=512

[write-phase]
filename=datafile.tmp	; or use a full disk, for example /dev/sda
rw=write
fill_device=1
do_verify=0

[verify-phase]
stonewall
create_serialize=0
filename=datafile.tmp
rw=read
do_verify=1
`;

async function scan(k: FakeKernel): Promise<FioRunResult> {
  return runFio(k.host(), {
    argv: ['--output-format=json', 'surface-scan.fio'],
    readFile: (p) => (p === 'surface-scan.fio' ? SURFACE_SCAN : undefined),
    timeMs: () => 0,
  });
}

function jobs(r: FioRunResult): JobJson[] {
  return (JSON.parse(r.stdout.slice(r.stdout.indexOf('{'))) as { jobs: JobJson[] }).jobs;
}

function smallDisk(): FakeKernel {
  const k = new FakeKernel();
  k.capacity = 1 << 20;
  return k;
}

/** Changes the read data of the 64 KiB block at `blockOff` (at `at` bytes into it) once. */
function corruptOnce(k: FakeKernel, blockOff: number, at: number, bytes: readonly number[]): void {
  let done = false;
  k.corruptRead = (_path, off, buf) => {
    if (done || off !== blockOff) return;
    bytes.forEach((b, i) => (buf[at + i] = b));
    done = true;
  };
}

describe('verify=meta (verify.ts)', () => {
  it('surface-scan.fio: fills the device with headers and pattern, then reads it all back verified', async () => {
    const k = smallDisk();
    const r = await scan(k);
    const [w, v] = jobs(r);
    expect(r.exitCode).to.equal(0);
    expect(w?.error).to.equal(0);
    expect(w?.write.io_bytes).to.equal(1 << 20);
    expect(v?.error).to.equal(0);
    expect(v?.read.io_bytes).to.equal(1 << 20);
    // every 512-byte block starts with fio's header: magic 0xacca, VERIFY_HDR_ONLY (1), length 512, its offset
    const f = k.files.get('/datafile.tmp');
    const buf = new Uint8Array(1024);
    f?.data.read(0x20000, buf, 0, 1024);
    const dv = new DataView(buf.buffer);
    expect(dv.getUint16(512, true)).to.equal(0xacca);
    expect(dv.getUint16(514, true)).to.equal(1);
    expect(dv.getUint32(516, true)).to.equal(512);
    expect(Number(dv.getBigUint64(512 + 16, true))).to.equal(0x20000 + 512);
    // then the pattern, in the order written
    expect([...buf.subarray(40, 44)]).to.deep.equal([0xaa, 0x55, 0x5a, 0xa5]);
  });

  it('catches a header that names the wrong offset', async () => {
    const k = smallDisk();
    // the offset field (bytes 16-23) of the third 512-byte header of the block at 256 KiB
    corruptOnce(k, 0x40000, 2 * 512 + 16, [0, 0, 0, 0, 0, 0, 0, 0]);
    const r = await scan(k);
    const [, v] = jobs(r);
    expect(v?.error).to.equal(84);
    expect(r.exitCode).to.equal(1);
    expect(r.report.notes.join('\n')).to.match(
      /verify: verify-phase: bad header offset 0, wanted 262144 at offset 263168/,
    );
  });

  it('catches a pattern byte that changed', async () => {
    const k = smallDisk();
    corruptOnce(k, 0x10000, 100, [0x00]);
    const r = await scan(k);
    expect(jobs(r)[1]?.error).to.equal(84);
    expect(r.report.notes.join('\n')).to.match(/got pattern '00', wanted '(aa|55|5a|a5)'/);
  });

  it('the thread and time fields are covered by the header crc', async () => {
    const k = smallDisk();
    // the thread number (bytes 32-33)
    corruptOnce(k, 0x30000, 32, [0x7f, 0x00]);
    const r = await scan(k);
    expect(jobs(r)[1]?.error).to.equal(84);
    expect(r.report.notes.join('\n')).to.match(/bad header crc/);
  });
});
