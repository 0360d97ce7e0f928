// decodeSource: PEP 263 cookies, BOM and CPython's messages, checked against what
// `python3 FILE` prints for the same bytes when python3 is CPython 3.11.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeSource } from './decode.js';

const bytes = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

const CASES: Record<string, string> = {
  'no-cookie-latin1-byte': 'print("caf\xe9")\n',
  'no-cookie-later-line': 'x = 1\n\n\nprint("\xe9")\n',
  'latin-1-cookie': '# -*- coding: latin-1 -*-\nprint("caf\xe9")\n',
  'latin1-alias': '# coding: latin1\nprint("\xe9")\n',
  'iso-8859-1-vim': '#!/usr/bin/env python\n# vim: set fileencoding=iso-8859-1 :\nprint("\xe9")\n',
  'cookie-on-line-2-after-code': 'print(1)\n# coding: latin-1\nprint("\xe9")\n',
  'cookie-after-comment-line': '# a comment\n# coding=latin-1\nprint("\xe9")\n',
  'cookie-not-alone-on-line': 'x = 1  # coding: latin-1\nprint("\xe9")\n',
  cp1252: '# coding: cp1252\nprint("\x80\x93\x94")\n',
  'cp1252-undefined-byte': '# coding: cp1252\nprint("\x81")\n',
  'windows-1252-alias': '# coding: windows-1252\nprint("\x80")\n',
  'ascii-ok': '# coding: ascii\nprint("a")\n',
  'ascii-non-ascii-byte': '# coding: ascii\nprint("\xe9")\n',
  'us-ascii-alias': '# coding: us-ascii\nprint("a")\n',
  'utf-8-cookie': '# coding: utf-8\nprint("caf\xc3\xa9")\n',
  'utf8-cookie-bad-byte-in-string': '# coding: utf-8\nx = "ab\xe9cd"\n',
  'utf8-cookie-bad-byte-in-name': '# coding: utf-8\nx\xe9 = 1\n',
  bom: '\xef\xbb\xbfprint("caf\xc3\xa9")\n',
  'bom-with-latin-1-cookie': '\xef\xbb\xbf# coding: latin-1\nprint(1)\n',
  'bom-with-utf-8-cookie': '\xef\xbb\xbf# coding: utf-8\nprint(1)\n',
  'unknown-codec': '# coding: klingon\nprint(1)\n',
  'utf-16-cookie': '# coding: utf-16\nprint(1)\n',
  'koi8-r': '# coding: koi8-r\nprint("\xc1")\n',
  'crlf-cookie': '# coding: latin-1\r\nprint("\xe9")\r\n',
};

describe('decodeSource', () => {
  it('decodes UTF-8 and drops a BOM', () => {
    expect(decodeSource(bytes('\xef\xbb\xbfx = 1\n'), 'a.py')).toEqual({ text: 'x = 1\n', diagnostics: [] });
    expect(decodeSource(bytes('s = "\xc3\xa9"\n'), 'a.py').text).toBe('s = "é"\n');
  });

  it('decodes latin-1 as ISO-8859-1 and cp1252 as Python does (not as WHATWG windows-1252)', () => {
    expect(decodeSource(bytes('# coding: latin-1\n"\x80\xe9"'), 'a.py').text).toBe('# coding: latin-1\n"\x80é"');
    expect(decodeSource(bytes('# coding: cp1252\n"\x80\x9c"'), 'a.py').text).toBe('# coding: cp1252\n"€œ"');
  });

  it("names the file and the line in CPython's message for a non-UTF-8 byte", () => {
    const r = decodeSource(bytes('a = 1\nb = "\xe9"\n'), 'prog.py');
    expect(r.text).toBeUndefined();
    expect(r.diagnostics[0]?.message).toBe(
      "Non-UTF-8 code starting with '\\xe9' in file prog.py on line 2, but no encoding declared; " +
        'see https://peps.python.org/pep-0263/ for details',
    );
    expect(r.diagnostics[0]?.exception).toBe('SyntaxError');
  });
});

const python311 = (() => {
  try {
    return (
      execFileSync('python3', ['-c', 'import sys; print(sys.version_info[:2] == (3, 11))'], {
        encoding: 'utf8',
      }).trim() === 'True'
    );
  } catch {
    return false;
  }
})();

describe.skipIf(!python311)('decodeSource against `python3 FILE` (CPython 3.11)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pymemsim-decode-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // Each case starts a python3 process: allow for a loaded machine.
  it.each(Object.keys(CASES))('%s', { timeout: 60_000 }, (name) => {
    const file = join(dir, `${name}.py`);
    const data = bytes(CASES[name] as string);
    writeFileSync(file, data);
    const run = spawnSync('python3', ['-I', file], { encoding: 'utf8' });
    const ours = decodeSource(data, file);
    if (run.status === 0) {
      expect(ours.diagnostics).toEqual([]);
      // What the program printed is what its decoded text says it prints.
      const literal = /print\("(.*)"\)/.exec(ours.text ?? '')?.[1];
      if (literal !== undefined) expect(run.stdout).toBe(literal + '\n');
    } else {
      const last = run.stderr.trim().split('\n').at(-1);
      if (last?.startsWith('SyntaxError: (unicode error)') || !last?.includes('encoding')) {
        // A decoding error found while parsing, or no decoding error at all.
        if (ours.text === undefined) expect(`SyntaxError: ${ours.diagnostics[0]?.message ?? ''}`).toBe(last);
        return;
      }
      expect(`SyntaxError: ${ours.diagnostics[0]?.message ?? ''}`).toBe(last);
    }
  });
});
