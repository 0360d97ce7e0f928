// The `sys._debugmallocstats()` report (PM-14): line formats, then whole reports.
import { describe, expect, it } from 'vitest';
import { ARENA_SIZE } from '../memory.js';
import { free, malloc } from '../runtime/pymalloc.js';
import { Runtime } from '../runtime/runtime.js';
import { FLOAT_SIZE, LIST_OBJECT_SIZE } from '../runtime/sizes.js';
import { allocatorStatsLine, formatMallocStats, printone, sizeClassUsage, withThousands } from './mallocStats.js';

describe('line formats', () => {
  it('groups thousands with commas', () => {
    expect([0, 7, 999, 1000, 65536, 1234567, 4194304].map(withThousands)).toEqual([
      '0',
      '7',
      '999',
      '1,000',
      '65,536',
      '1,234,567',
      '4,194,304',
    ]);
  });

  it('printone: the label padded to 35, `=`, the value right-aligned in 21 (lines of a real 3.11.7 report)', () => {
    expect(printone('# arenas allocated total', 4)).toBe('# arenas allocated total           =                    4\n');
    expect(printone('4 arenas * 1048576 bytes/arena', 4194304)).toBe(
      '4 arenas * 1048576 bytes/arena     =            4,194,304\n',
    );
    expect(printone('# bytes lost to arena alignment', 49152)).toBe(
      '# bytes lost to arena alignment    =               49,152\n',
    );
    expect(printone('Total', 655360)).toBe('Total                              =              655,360\n');
    const line = printone('x', 1);
    expect(line.indexOf('=')).toBe(35);
    expect(line.length).toBe(35 + 1 + 21 + 1);
  });

  it('printone writes a label longer than 35 whole, unpadded', () => {
    const label = '123456 unused pools * 16384 bytes and more';
    expect(printone(label, 1)).toBe(`${label}=                    1\n`);
  });

  it('free-list lines: `%d %ss * %zd bytes each` right-aligned in 48, a space, then printone', () => {
    expect(allocatorStatsLine('free PyDictObject', 8, 48)).toBe(
      '            8 free PyDictObjects * 48 bytes each =                  384\n',
    );
    expect(allocatorStatsLine('free PyListObject', 40, 40)).toBe(
      '           40 free PyListObjects * 40 bytes each =                1,600\n',
    );
    expect(allocatorStatsLine('free 10-sized PyTupleObject', 0, 104)).toBe(
      ' 0 free 10-sized PyTupleObjects * 104 bytes each =                    0\n',
    );
    expect(allocatorStatsLine('free 20-sized PyTupleObject', 6, 184)).toBe(
      '   6 free 20-sized PyTupleObjects * 184 bytes each =                1,104\n'.slice(2),
    );
  });
});

describe('the report', () => {
  const freeListLines = [
    '            0 free PyDictObjects * 48 bytes each =                    0',
    '           1 free PyFloatObjects * 24 bytes each =                   24',
    '            0 free PyListObjects * 40 bytes each =                    0',
    ...Array.from({ length: 20 }, (_, i) => {
      const n = i + 1;
      return `${`0 free ${n}-sized PyTupleObjects * ${24 + 8 * n} bytes each`.padStart(48)} =                    0`;
    }),
  ];

  it('prints exactly what CPython prints for a small heap', () => {
    const rt = new Runtime();
    const f = rt.enterFrame('<module>');
    const keep = { kind: 'stack', frame: f } as const;
    for (let i = 0; i < 3; i++) rt.allocate({ pyType: 'list', kind: 'list', size: LIST_OBJECT_SIZE, repr: '[]' }, keep);
    const x = rt.allocate({ pyType: 'float', kind: 'float', size: FLOAT_SIZE, repr: '1.5' }, keep);
    rt.decref(x, keep); // parked: still a block in use (FL-1)
    expect(rt.debugMallocStats()).toBe(
      [
        'Small block threshold = 512, in 32 size classes.',
        '',
        'class   size   num pools   blocks in use  avail blocks',
        '-----   ----   ---------   -------------  ------------',
        '    1     32           1               1           509',
        '    3     64           1               3           252',
        '',
        '# arenas allocated total           =                    1',
        '# arenas reclaimed                 =                    0',
        '# arenas highwater mark            =                    1',
        '# arenas allocated current         =                    1',
        '1 arenas * 1048576 bytes/arena     =            1,048,576',
        '',
        '# bytes in allocated blocks        =                  224',
        '# bytes in available blocks        =               32,416',
        '61 unused pools * 16384 bytes      =              999,424',
        '# bytes lost to pool headers       =                   96',
        '# bytes lost to quantization       =                   32',
        '# bytes lost to arena alignment    =               16,384',
        'Total                              =            1,048,576',
        '',
        'arena map counts',
        '# arena map mid nodes              =                    1',
        '# arena map bot nodes              =                    1',
        '',
        '# bytes lost to arena map root     =              262,144',
        '# bytes lost to arena map mid      =              262,144',
        '# bytes lost to arena map bot      =              131,072',
        'Total                              =              655,360',
        '',
        ...freeListLines,
        '',
      ].join('\n'),
    );
  });

  it('lists only classes with a pool in use, and accounts for every byte of the arenas', () => {
    const rt = new Runtime();
    const blocks = Array.from({ length: 3000 }, (_, i) => malloc(rt, 1 + (i % 512)));
    for (const b of blocks.filter((_, i) => i % 3 !== 0)) free(rt, b, 1);
    const report = formatMallocStats(rt.state);
    const rows = report.split('\n').filter((l) => /^\s+\d+\s+\d+\s+\d+\s+\d+\s+\d+$/.test(l));
    expect(rows.length).toBe(sizeClassUsage(rt.state).filter((u) => u.pools > 0).length);
    for (const row of rows) expect(row).toMatch(/^[ \d]{5} [ \d]{6} [ \d]{11} [ \d]{15} [ \d]{13}$/);
    const arenas = rt.state.memory.narenasCurrentlyAllocated;
    const total = /Total\s+=\s+([\d,]+)\n\narena map/.exec(report)?.[1];
    expect(total).toBe(withThousands(arenas * ARENA_SIZE));
  });

  it('counts reclaimed arenas and the arena-alignment loss of every mapped arena (PM-15 policy)', () => {
    const rt = new Runtime();
    const perArena = 63 * 31;
    const first = Array.from({ length: perArena }, () => malloc(rt, 512));
    Array.from({ length: perArena + 1 }, () => malloc(rt, 512)); // arena 1 full, one block in arena 2
    for (const b of first) free(rt, b, 512); // arena 0 empties; it is not the last usable arena
    const report = rt.debugMallocStats();
    expect(report).toContain('# arenas reclaimed                 =                    1\n');
    expect(report).toContain('# bytes lost to arena alignment    =               32,768\n');
    expect(report).toContain('2 arenas * 1048576 bytes/arena     =            2,097,152\n');
  });
});
