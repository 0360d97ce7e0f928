/*
 * _stat
 * =====
 * The file-mode constants and tests of Linux that Lib/stat.py takes from C: S_ISDIR
 * and the other S_IS* tests (S_ISDOOR, S_ISPORT, S_ISWHT are always false on Linux),
 * S_IMODE, S_IFMT, filemode, and the constants in _stat.c's order.
 *
 * Source: Modules/_stat.c (3.11): _PyLong_AsMode_t, stat_S_ISfunc, filetype, fileperm,
 * stat_filemode, stat_exec.
 */
import type { ObjectId } from '@pymemsim/core';
import { registerBuiltinModule } from '../vm/importlib.js';
import type { Native } from '../vm/native.js';
import { C_TEMP, type VM } from '../vm/vm.js';
import { methO } from './args.js';

const CONSTANTS: readonly (readonly [string, number])[] = [
  ['S_IFDIR', 16384],
  ['S_IFCHR', 8192],
  ['S_IFBLK', 24576],
  ['S_IFREG', 32768],
  ['S_IFIFO', 4096],
  ['S_IFLNK', 40960],
  ['S_IFSOCK', 49152],
  ['S_IFDOOR', 0],
  ['S_IFPORT', 0],
  ['S_IFWHT', 0],
  ['S_ISUID', 2048],
  ['S_ISGID', 1024],
  ['S_ISVTX', 512],
  ['S_ENFMT', 1024],
  ['S_IREAD', 256],
  ['S_IWRITE', 128],
  ['S_IEXEC', 64],
  ['S_IRWXU', 448],
  ['S_IRUSR', 256],
  ['S_IWUSR', 128],
  ['S_IXUSR', 64],
  ['S_IRWXG', 56],
  ['S_IRGRP', 32],
  ['S_IWGRP', 16],
  ['S_IXGRP', 8],
  ['S_IRWXO', 7],
  ['S_IROTH', 4],
  ['S_IWOTH', 2],
  ['S_IXOTH', 1],
  ['UF_NODUMP', 1],
  ['UF_IMMUTABLE', 2],
  ['UF_APPEND', 4],
  ['UF_OPAQUE', 8],
  ['UF_NOUNLINK', 16],
  ['UF_COMPRESSED', 32],
  ['UF_HIDDEN', 32768],
  ['SF_ARCHIVED', 65536],
  ['SF_IMMUTABLE', 131072],
  ['SF_APPEND', 262144],
  ['SF_NOUNLINK', 1048576],
  ['SF_SNAPSHOT', 2097152],
  ['ST_MODE', 0],
  ['ST_INO', 1],
  ['ST_DEV', 2],
  ['ST_NLINK', 3],
  ['ST_UID', 4],
  ['ST_GID', 5],
  ['ST_SIZE', 6],
  ['ST_ATIME', 7],
  ['ST_MTIME', 8],
  ['ST_CTIME', 9],
];

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;
const S_IFREG = 0o100000;
const S_IFIFO = 0o010000;
const S_IFLNK = 0o120000;
const S_IFSOCK = 0o140000;

/** _PyLong_AsMode_t: an unsigned long that fits a 32-bit mode_t. */
export function modeArg(vm: VM, obj: ObjectId): number {
  const v = vm.value(obj);
  if (v.t !== 'int' && v.t !== 'bool') throw vm.typeError('an integer is required');
  const n = v.t === 'int' ? v.v : v.v ? 1n : 0n;
  if (n < 0n) throw vm.pyErr('OverflowError', "can't convert negative value to unsigned int");
  if (n > 0xffffffffffffffffn) throw vm.pyErr('OverflowError', 'Python int too large to convert to C unsigned long');
  if (n > 0xffffffffn) throw vm.pyErr('OverflowError', 'mode out of range');
  return Number(n);
}

export function filemode(mode: number): string {
  const t = mode & S_IFMT;
  const type =
    t === S_IFREG
      ? '-'
      : t === S_IFDIR
        ? 'd'
        : t === S_IFLNK
          ? 'l'
          : t === S_IFBLK
            ? 'b'
            : t === S_IFCHR
              ? 'c'
              : t === S_IFIFO
                ? 'p'
                : t === S_IFSOCK
                  ? 's'
                  : '?';
  const bit = (b: number, c: string): string => (mode & b ? c : '-');
  const special = (s: number, x: number, on: string, off: string): string =>
    mode & s ? (mode & x ? on : off) : mode & x ? 'x' : '-';
  return (
    type +
    bit(0o400, 'r') +
    bit(0o200, 'w') +
    special(0o4000, 0o100, 's', 'S') +
    bit(0o040, 'r') +
    bit(0o020, 'w') +
    special(0o2000, 0o010, 's', 'S') +
    bit(0o004, 'r') +
    bit(0o002, 'w') +
    special(0o1000, 0o001, 't', 'T')
  );
}

function test(name: string, type: number | undefined): Native {
  return (vm, args, kwnames, out) => {
    const mode = modeArg(vm, methO(vm, `_stat.${name}`, args, kwnames));
    return vm.bool(type !== undefined && (mode & S_IFMT) === type, out);
  };
}

const functions: Record<string, Native> = {
  S_ISDIR: test('S_ISDIR', S_IFDIR),
  S_ISCHR: test('S_ISCHR', S_IFCHR),
  S_ISBLK: test('S_ISBLK', S_IFBLK),
  S_ISREG: test('S_ISREG', S_IFREG),
  S_ISFIFO: test('S_ISFIFO', S_IFIFO),
  S_ISLNK: test('S_ISLNK', S_IFLNK),
  S_ISSOCK: test('S_ISSOCK', S_IFSOCK),
  S_ISDOOR: test('S_ISDOOR', undefined),
  S_ISPORT: test('S_ISPORT', undefined),
  S_ISWHT: test('S_ISWHT', undefined),
  S_IMODE: (vm, args, kwnames, out) =>
    vm.newInt(BigInt(modeArg(vm, methO(vm, '_stat.S_IMODE', args, kwnames)) & 0o7777), out),
  S_IFMT: (vm, args, kwnames, out) =>
    vm.newInt(BigInt(modeArg(vm, methO(vm, '_stat.S_IFMT', args, kwnames)) & S_IFMT), out),
  filemode: (vm, args, kwnames, out) =>
    vm.newStr(filemode(modeArg(vm, methO(vm, '_stat.filemode', args, kwnames))), out),
};

registerBuiltinModule('_stat', (vm, _module, dict) => {
  vm.addFunctions(dict, '_stat', functions);
  for (const [name, v] of CONSTANTS) vm.dictSetStr(dict, name, vm.newInt(BigInt(v), C_TEMP), C_TEMP, 'move');
});
