import { expect } from 'chai';
import { FioError, parseOptions, UnsupportedOptionError, type ParseContext } from '@stackemu/fio';

function ctx(files: Record<string, string> = {}, env: Record<string, string> = {}): ParseContext {
  return { env, keywords: { pagesize: 4096, mbMemory: 1024, ncpus: 2 }, readFile: (p) => files[p] };
}

describe('parseOptions()', () => {
  it('builds jobs from --name sections; options before the first --name are global', () => {
    const r = parseOptions(
      ['--filename=data', '--name=a', '--rw=randread', '--bs=8k,32k', '--name=b', '--size=1m'],
      ctx(),
    );
    expect(r.jobs.jobs.map((j) => j.name)).to.deep.equal(['a', 'b']);
    const [a, b] = r.jobs.jobs;
    expect(a?.files).to.deep.equal(['data']);
    expect(a?.o.bs).to.deep.equal([8192, 32768, 32768]);
    expect(b?.o.tdDdir).to.equal(1);
    expect(r.jobs.globalOptions).to.deep.equal([['filename', 'data']]);
    expect(a?.jobOptions).to.deep.equal([
      ['name', 'a'],
      ['rw', 'randread'],
      ['bs', '8k,32k'],
    ]);
  });
  it('reads job files: [global], comments, include, ${VAR}, $mb_memory arithmetic, numjobs clones', () => {
    const files = {
      'j.fio':
        '; comment\n[global]\nbs=${BS}\n# another\ninclude inc.fio\n[j1]\nrw=randread:4\nnumjobs=3\nsize=$mb_memory*2k\n',
      'inc.fio': 'ioengine=libaio\niodepth=8 ; trailing comment\n',
    };
    const r = parseOptions(['j.fio'], ctx(files, { BS: '16k' }));
    const jobs = r.jobs.jobs;
    expect(jobs).to.have.length(3);
    expect(jobs.map((j) => j.subjobNumber)).to.deep.equal([0, 2, 1]);
    expect(jobs[0]?.o.bs[0]).to.equal(16384);
    expect(jobs[0]?.o.ioengine).to.equal('libaio');
    expect(jobs[0]?.o.iodepth).to.equal(8);
    expect(jobs[0]?.o.ddirSeqNr).to.equal(4);
    expect(jobs[0]?.o.size).to.deep.equal({ bytes: 1024 * 2048 });
    expect(jobs.map((j) => j.files[0])).to.deep.equal(['j1.0.0', 'j1.2.0', 'j1.1.0']);
    expect(r.jobs.globalOptions).to.deep.equal([
      ['bs', '${BS}'],
      ['ioengine', 'libaio'],
      ['iodepth', '8'],
    ]);
  });
  it('sorts job-file options by priority (kb_base first) but not command-line ones', () => {
    const f = parseOptions(['j.fio'], ctx({ 'j.fio': '[j]\nsize=1m\nkb_base=1000\n' }));
    expect(f.jobs.jobs[0]?.o.size).to.deep.equal({ bytes: 1_000_000 });
    const c = parseOptions(['--name=j', '--size=1m', '--kb_base=1000'], ctx());
    expect(c.jobs.jobs[0]?.o.size).to.deep.equal({ bytes: 1048576 });
  });
  it('section headers as fio reads them: the last character dropped unchecked, options outside a section refused', () => {
    const files = { 'a.fio': '[job\nbs=4k\n', 'b.fio': 'rw=read\n[job]\n', 'c.fio': '[\nbs=4k\n' };
    // sscanf("[%255[^\n]]") then name[strlen - 1] = 0: "[job" is a section named "jo", as the real fio 3.33 runs it.
    expect(parseOptions(['a.fio'], ctx(files)).jobs.jobs.map((j) => j.name)).to.deep.equal(['jo']);
    expect(() => parseOptions(['b.fio'], ctx(files))).to.throw(
      FioError,
      /^fio: option <rw=read> outside of \[\] job section$/,
    );
    expect(() => parseOptions(['c.fio'], ctx(files))).to.throw(
      FioError,
      /^fio: option <\[> outside of \[\] job section$/,
    );
  });
  it('puts a stonewall between job files and new groups at stonewall', () => {
    const files = { 'a.fio': '[a]\nsize=1m\n[b]\nsize=1m\nstonewall\n', 'b.fio': '[c]\nsize=1m\n' };
    const r = parseOptions(['a.fio', 'b.fio'], ctx(files));
    expect(r.jobs.jobs.map((j) => j.groupid)).to.deep.equal([0, 1, 2]);
  });
  it('rw with a stride suffix: sequential adds bytes, random sets nr', () => {
    const r = parseOptions(['--name=a', '--rw=read:-8k', '--name=b', '--rw=randwrite:16'], ctx());
    expect(r.jobs.jobs[0]?.o.ddirSeqAdd).to.equal(-8192);
    expect(r.jobs.jobs[1]?.o.ddirSeqNr).to.equal(16);
  });
  it('bsrange and bssplit set min/max block sizes per direction', () => {
    const r = parseOptions(['--name=a', '--bsrange=16k-4k', '--name=b', '--bssplit=512/10:4k/60:64k/30,8k'], ctx());
    expect(r.jobs.jobs[0]?.o.minBs).to.deep.equal([4096, 4096, 4096]);
    expect(r.jobs.jobs[0]?.o.maxBs).to.deep.equal([16384, 16384, 16384]);
    const b = r.jobs.jobs[1]?.o;
    expect(b?.minBs[0]).to.equal(512);
    expect(b?.maxBs[0]).to.equal(65536);
    expect(b?.bssplit[0].map((s) => s.perc)).to.deep.equal([10, 30, 60]);
    // fio quirk: a single entry without a percentage gets (100 - 100) / 1 = 0 (its size is then the only one).
    expect(b?.bssplit[1]).to.deep.equal([{ bs: 8192, perc: 0 }]);
  });
  it('rwmixwrite overrides rwmixread; direct/buffered negate each other', () => {
    const r = parseOptions(['--name=a', '--rw=randrw', '--rwmixread=70', '--rwmixwrite=40', '--buffered=0'], ctx());
    expect(r.jobs.jobs[0]?.o.rwmix).to.deep.equal([60, 40, 0]);
    expect(r.jobs.jobs[0]?.o.odirect).to.equal(true);
  });
  it('fails like fio on unknown options and bad values', () => {
    expect(() => parseOptions(['--name=a', '--foo=1'], ctx())).to.throw(FioError, "fio: unrecognized option '--foo=1'");
    expect(() => parseOptions(['j.fio'], ctx({ 'j.fio': '[a]\nfoo=1\n' }))).to.throw(FioError, /bad option <foo=1>/);
    expect(() => parseOptions(['--name=a', '--rw=bogus'], ctx())).to.throw(FioError, /rw=bogus/);
    expect(() => parseOptions(['--name=a', '--size=1'], ctx())).to.throw(FioError, /size too small/);
    expect(() => parseOptions(['j.fio'], ctx({ 'j.fio': 'bs=4k\n' }))).to.throw(
      FioError,
      /outside of \[\] job section/,
    );
    expect(() => parseOptions(['missing.fio'], ctx())).to.throw(FioError, /unable to open 'missing.fio'/);
  });
  it('names unsupported options instead of ignoring them', () => {
    expect(() => parseOptions(['--name=a', '--cpus_allowed=0'], ctx())).to.throw(
      UnsupportedOptionError,
      /'cpus_allowed'/,
    );
    expect(() => parseOptions(['--name=a', '--log_compression=1'], ctx())).to.throw(
      UnsupportedOptionError,
      /'log_compression'/,
    );
    expect(() => parseOptions(['--name=a', '--ioengine=posixaio'], ctx())).to.throw(UnsupportedOptionError, /posixaio/);
    expect(() => parseOptions(['--name=a', '--verify=crc64'], ctx())).to.throw(UnsupportedOptionError, /verify=crc64/);
    expect(() => parseOptions(['--name=a', '--output-format=terse'], ctx())).to.throw(FioError, /terse/);
  });
  it('engine options need their engine', () => {
    const r = parseOptions(['--name=a', '--ioengine=io_uring', '--fixedbufs', '--registerfiles'], ctx());
    expect(r.jobs.jobs[0]?.o.engine.fixedbufs).to.equal(true);
    expect(() => parseOptions(['--name=a', '--fixedbufs'], ctx())).to.throw(FioError, /io_uring/);
  });
  it('hipri: RWF_HIPRI for pvsync2, refused for io_uring (IOPOLL rings)', () => {
    const r = parseOptions(['--name=a', '--ioengine=pvsync2', '--hipri'], ctx());
    expect(r.jobs.jobs[0]?.o.engine.hipri).to.equal(true);
    expect(() => parseOptions(['--name=a', '--ioengine=io_uring', '--hipri'], ctx())).to.throw(
      UnsupportedOptionError,
      /'hipri'.*IORING_SETUP_IOPOLL/,
    );
    expect(() => parseOptions(['--name=a', '--ioengine=io_uring', '--hipri=0'], ctx())).not.to.throw();
  });
  it('handles command options: --output-format, --section, --parse-only', () => {
    const r = parseOptions(
      ['--output-format=json,normal', '--section=b', '--parse-only', 'j.fio'],
      ctx({ 'j.fio': '[a]\nsize=1m\n[b]\nsize=2m\n' }),
    );
    expect([...r.cmd.outputFormat].sort()).to.deep.equal(['json', 'normal']);
    expect(r.jobs.jobs.map((j) => j.name)).to.deep.equal(['b']);
    expect(r.cmd.parseOnly).to.equal(true);
  });
});
