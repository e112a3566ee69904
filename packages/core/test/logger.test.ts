import { expect } from 'chai';
import { Writable } from 'node:stream';
import { createLogger } from '@stackemu/core';

function sink(): { stream: Writable; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb): void {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      cb();
    },
  });
  return { stream, lines };
}

describe('createLogger()', () => {
  it('writes JSON lines named stackemu at or above its level, with child bindings', () => {
    const { stream, lines } = sink();
    const log = createLogger({ level: 'info', destination: stream });
    const child = log.child({ plugin: 'nvme' });
    child.debug('hidden');
    child.info({ qid: 1 }, 'queue created');
    expect(lines).to.have.length(1);
    expect(lines[0]).to.include({ name: 'stackemu', plugin: 'nvme', qid: 1, msg: 'queue created', level: 30 });
  });

  it('takes its level from STACKEMU_LOG by default (silent in tests)', () => {
    const saved = process.env['STACKEMU_LOG'];
    try {
      process.env['STACKEMU_LOG'] = 'error';
      expect(createLogger({ destination: sink().stream }).level).to.equal('error');
      delete process.env['STACKEMU_LOG'];
      expect(createLogger({ destination: sink().stream }).level).to.equal('warn');
    } finally {
      if (saved === undefined) delete process.env['STACKEMU_LOG'];
      else process.env['STACKEMU_LOG'] = saved;
    }
  });

  it('accepts extra pino options (deterministic base for golden output)', () => {
    const { stream, lines } = sink();
    const log = createLogger({
      level: 'info',
      destination: stream,
      pino: { base: { pid: 0, hostname: 'h' }, timestamp: false },
    });
    log.info('x');
    expect(lines[0]).to.deep.equal({ level: 30, pid: 0, hostname: 'h', name: 'stackemu', msg: 'x' });
  });
});
