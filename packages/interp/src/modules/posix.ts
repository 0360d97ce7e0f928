/*
 * posix (what os imports)
 * =======================
 * The part of CPython's posix module that Lib/os.py, posixpath and the modules above
 * them need to import and run, for a simulation that has no operating system under it:
 *
 *   environment  `environ`, a dict of bytes (empty, or the host's `environ` option);
 *                putenv/unsetenv change nothing outside.
 *   identity     getpid() 1000, getppid() 999, uid and gid 1000, cpu_count() 1,
 *                getcwd() "/" (or the host's `cwd`).
 *   entropy      urandom(n) from ./host.ts (deterministic unless the host gives entropy).
 *   files        every call that would touch the file system (stat, lstat, listdir,
 *                scandir, open, mkdir, remove, rename, chdir ...) raises
 *                OSError(ENOSYS, "pymemsim does not simulate the file system", path), so
 *                os.path.exists() and friends answer False; access() is False.
 *   descriptors  write() to 1 and 2 is the program's stdout and stderr, read() from 0
 *                its stdin (what the host gives; end of file when none), anything else EBADF; isatty() is False and
 *                get_terminal_size() raises ENOTTY, as for output to a pipe.
 *   strerror     glibc's messages.
 *
 *   types        stat_result, statvfs_result, terminal_size, times_result and
 *                uname_result, the struct sequences (what shutil and argparse use).
 *
 * Not here: processes (fork, exec*, spawn*, kill, wait*, _exit), times(), uname(),
 * scheduling, extended attributes.
 *
 * Source: Modules/posixmodule.c (3.11): os_getcwd_impl, os_fspath_impl/PyOS_FSPath,
 * os_urandom_impl, os_strerror_impl, convertenviron, all_ins (the constants).
 */
import type { ObjectId } from '@pymemsim/core';
import { registerBuiltinModule } from '../vm/importlib.js';
import type { Native } from '../vm/native.js';
import { C_TEMP, type PyRaise, type VM } from '../vm/vm.js';
import { osErrorClass } from '../objects/exceptions.js';
import { builtinType, bytesLike, methNoArgs, methO, noKeywords, unpackKeywords } from './args.js';
import { entropy, readStdin } from './host.js';
import { defineStructSeq, type StructSeqDesc } from '../objects/structseq.js';

const CONSTANTS: readonly (readonly [string, number])[] = [
  ['CLD_CONTINUED', 6],
  ['CLD_DUMPED', 3],
  ['CLD_EXITED', 1],
  ['CLD_KILLED', 2],
  ['CLD_STOPPED', 5],
  ['CLD_TRAPPED', 4],
  ['EX_CANTCREAT', 73],
  ['EX_CONFIG', 78],
  ['EX_DATAERR', 65],
  ['EX_IOERR', 74],
  ['EX_NOHOST', 68],
  ['EX_NOINPUT', 66],
  ['EX_NOPERM', 77],
  ['EX_NOUSER', 67],
  ['EX_OK', 0],
  ['EX_OSERR', 71],
  ['EX_OSFILE', 72],
  ['EX_PROTOCOL', 76],
  ['EX_SOFTWARE', 70],
  ['EX_TEMPFAIL', 75],
  ['EX_UNAVAILABLE', 69],
  ['EX_USAGE', 64],
  ['F_LOCK', 1],
  ['F_OK', 0],
  ['F_TEST', 3],
  ['F_TLOCK', 2],
  ['F_ULOCK', 0],
  ['NGROUPS_MAX', 65536],
  ['O_ACCMODE', 3],
  ['O_APPEND', 1024],
  ['O_ASYNC', 8192],
  ['O_CLOEXEC', 524288],
  ['O_CREAT', 64],
  ['O_DIRECT', 16384],
  ['O_DIRECTORY', 65536],
  ['O_DSYNC', 4096],
  ['O_EXCL', 128],
  ['O_FSYNC', 1052672],
  ['O_LARGEFILE', 0],
  ['O_NDELAY', 2048],
  ['O_NOATIME', 262144],
  ['O_NOCTTY', 256],
  ['O_NOFOLLOW', 131072],
  ['O_NONBLOCK', 2048],
  ['O_PATH', 2097152],
  ['O_RDONLY', 0],
  ['O_RDWR', 2],
  ['O_RSYNC', 1052672],
  ['O_SYNC', 1052672],
  ['O_TMPFILE', 4259840],
  ['O_TRUNC', 512],
  ['O_WRONLY', 1],
  ['PRIO_PGRP', 1],
  ['PRIO_PROCESS', 0],
  ['PRIO_USER', 2],
  ['P_ALL', 0],
  ['P_PGID', 2],
  ['P_PID', 1],
  ['P_PIDFD', 3],
  ['RTLD_DEEPBIND', 8],
  ['RTLD_GLOBAL', 256],
  ['RTLD_LAZY', 1],
  ['RTLD_LOCAL', 0],
  ['RTLD_NODELETE', 4096],
  ['RTLD_NOLOAD', 4],
  ['RTLD_NOW', 2],
  ['R_OK', 4],
  ['SEEK_DATA', 3],
  ['SEEK_HOLE', 4],
  ['TMP_MAX', 238328],
  ['WCONTINUED', 8],
  ['WEXITED', 4],
  ['WNOHANG', 1],
  ['WNOWAIT', 16777216],
  ['WSTOPPED', 2],
  ['WUNTRACED', 2],
  ['W_OK', 2],
  ['X_OK', 1],
];

/** strerror() of glibc for 0..133. */
const STRERROR: readonly string[] = [
  'Success',
  'Operation not permitted',
  'No such file or directory',
  'No such process',
  'Interrupted system call',
  'Input/output error',
  'No such device or address',
  'Argument list too long',
  'Exec format error',
  'Bad file descriptor',
  'No child processes',
  'Resource temporarily unavailable',
  'Cannot allocate memory',
  'Permission denied',
  'Bad address',
  'Block device required',
  'Device or resource busy',
  'File exists',
  'Invalid cross-device link',
  'No such device',
  'Not a directory',
  'Is a directory',
  'Invalid argument',
  'Too many open files in system',
  'Too many open files',
  'Inappropriate ioctl for device',
  'Text file busy',
  'File too large',
  'No space left on device',
  'Illegal seek',
  'Read-only file system',
  'Too many links',
  'Broken pipe',
  'Numerical argument out of domain',
  'Numerical result out of range',
  'Resource deadlock avoided',
  'File name too long',
  'No locks available',
  'Function not implemented',
  'Directory not empty',
  'Too many levels of symbolic links',
  'Unknown error 41',
  'No message of desired type',
  'Identifier removed',
  'Channel number out of range',
  'Level 2 not synchronized',
  'Level 3 halted',
  'Level 3 reset',
  'Link number out of range',
  'Protocol driver not attached',
  'No CSI structure available',
  'Level 2 halted',
  'Invalid exchange',
  'Invalid request descriptor',
  'Exchange full',
  'No anode',
  'Invalid request code',
  'Invalid slot',
  'Unknown error 58',
  'Bad font file format',
  'Device not a stream',
  'No data available',
  'Timer expired',
  'Out of streams resources',
  'Machine is not on the network',
  'Package not installed',
  'Object is remote',
  'Link has been severed',
  'Advertise error',
  'Srmount error',
  'Communication error on send',
  'Protocol error',
  'Multihop attempted',
  'RFS specific error',
  'Bad message',
  'Value too large for defined data type',
  'Name not unique on network',
  'File descriptor in bad state',
  'Remote address changed',
  'Can not access a needed shared library',
  'Accessing a corrupted shared library',
  '.lib section in a.out corrupted',
  'Attempting to link in too many shared libraries',
  'Cannot exec a shared library directly',
  'Invalid or incomplete multibyte or wide character',
  'Interrupted system call should be restarted',
  'Streams pipe error',
  'Too many users',
  'Socket operation on non-socket',
  'Destination address required',
  'Message too long',
  'Protocol wrong type for socket',
  'Protocol not available',
  'Protocol not supported',
  'Socket type not supported',
  'Operation not supported',
  'Protocol family not supported',
  'Address family not supported by protocol',
  'Address already in use',
  'Cannot assign requested address',
  'Network is down',
  'Network is unreachable',
  'Network dropped connection on reset',
  'Software caused connection abort',
  'Connection reset by peer',
  'No buffer space available',
  'Transport endpoint is already connected',
  'Transport endpoint is not connected',
  'Cannot send after transport endpoint shutdown',
  'Too many references: cannot splice',
  'Connection timed out',
  'Connection refused',
  'Host is down',
  'No route to host',
  'Operation already in progress',
  'Operation now in progress',
  'Stale file handle',
  'Structure needs cleaning',
  'Not a XENIX named type file',
  'No XENIX semaphores available',
  'Is a named type file',
  'Remote I/O error',
  'Disk quota exceeded',
  'No medium found',
  'Wrong medium type',
  'Operation canceled',
  'Required key not available',
  'Key has expired',
  'Key has been revoked',
  'Key was rejected by service',
  'Owner died',
  'State not recoverable',
  'Operation not possible due to RF-kill',
  'Memory page has hardware error',
];

const ENOSYS = 38;
const EBADF = 9;
const ENOTTY = 25;

/** OSError(errno, strerror[, filename]) of the class errnomap gives. */
export function osError(vm: VM, errno: number, message: string, filename?: ObjectId): PyRaise {
  const args = [vm.newInt(BigInt(errno), C_TEMP), vm.newStr(message, C_TEMP)];
  if (filename !== undefined) args.push(vm.ret(filename, C_TEMP));
  return vm.raiseNew(osErrorClass(vm, errno), args, C_TEMP);
}

/** A call that needs the file system: refused, naming why. */
export function noFileSystem(vm: VM, path?: ObjectId): PyRaise {
  return osError(vm, ENOSYS, 'pymemsim does not simulate the file system', path);
}

/** PyOS_FSPath: str and bytes as they are, else __fspath__. */
export function fspath(vm: VM, path: ObjectId): ObjectId {
  const v = vm.value(path);
  if (v.t === 'str' || v.t === 'bytes') return vm.ret(path, C_TEMP);
  const f = vm.lookupSpecial(path, '__fspath__', C_TEMP);
  if (f === undefined) throw vm.typeError(`expected str, bytes or os.PathLike object, not ${vm.typeName(path)}`);
  let r: ObjectId;
  try {
    r = vm.call(f, [], undefined, C_TEMP);
  } finally {
    vm.rt.decref(f, C_TEMP);
  }
  const rt = vm.value(r).t;
  if (rt !== 'str' && rt !== 'bytes') {
    const tn = vm.typeName(r);
    vm.rt.decref(r, C_TEMP);
    throw vm.typeError(`expected ${vm.typeName(path)}.__fspath__() to return str or bytes, not ${tn}`);
  }
  return r;
}

function strerror(code: number): string {
  return STRERROR[code] ?? `Unknown error ${code}`;
}

function fdArg(vm: VM, obj: ObjectId): number {
  const v = vm.value(obj);
  if (v.t === 'float') throw vm.typeError("'float' object cannot be interpreted as an integer");
  const n = vm.index(obj);
  if (n > 2147483647n) throw vm.pyErr('OverflowError', 'fd is greater than maximum');
  if (n < -2147483648n) throw vm.pyErr('OverflowError', 'fd is less than minimum');
  return Number(n);
}

/** A function that needs the file system: its first argument is the path in the error. */
function refused(name: string): Native {
  return (vm, args) => {
    const first = args[0];
    const v = first === undefined ? undefined : vm.value(first);
    throw noFileSystem(vm, v !== undefined && (v.t === 'str' || v.t === 'bytes') ? first : undefined);
  };
  void name;
}

const REFUSED = [
  'stat',
  'lstat',
  'fstat',
  'listdir',
  'scandir',
  'open',
  'mkdir',
  'rmdir',
  'remove',
  'unlink',
  'rename',
  'replace',
  'chdir',
  'chmod',
  'chown',
  'lchown',
  'utime',
  'readlink',
  'symlink',
  'link',
  'truncate',
  'statvfs',
  'fstatvfs',
  'mkfifo',
  'mknod',
  'fchdir',
  'fchmod',
  'ftruncate',
  'fsync',
  'lseek',
  'dup',
  'dup2',
  'pipe',
  'chroot',
];

const intResult =
  (v: number): Native =>
  (vm, args, kwnames, out) => {
    methNoArgs(vm, 'posix.getpid', args, kwnames);
    return vm.newInt(BigInt(v), out);
  };

function hostCwd(vm: VM): string {
  return vm.host.cwd ?? '/';
}

const functions: Record<string, Native> = {
  getcwd: (vm, args, kwnames, out) => {
    methNoArgs(vm, 'posix.getcwd', args, kwnames);
    return vm.newStr(hostCwd(vm), out);
  },
  getcwdb: (vm, args, kwnames, out) => {
    methNoArgs(vm, 'posix.getcwdb', args, kwnames);
    return vm.newBytes(new TextEncoder().encode(hostCwd(vm)), out);
  },
  fspath: (vm, args, kwnames, out) => {
    const [path] = unpackKeywords(vm, 'fspath', args, kwnames, { names: ['path'] });
    const r = fspath(vm, path as ObjectId);
    vm.rt.move(r, C_TEMP, out);
    return r;
  },
  urandom: (vm, args, kwnames, out) => {
    const n = vm.index(methO(vm, 'posix.urandom', args, kwnames));
    if (n < 0n) throw vm.pyErr('ValueError', 'negative argument not allowed');
    return vm.newBytes(entropy(vm, Number(n)), out);
  },
  strerror: (vm, args, kwnames, out) => {
    const code = vm.index(methO(vm, 'posix.strerror', args, kwnames));
    if (code > 2147483647n || code < -2147483648n)
      throw vm.pyErr('OverflowError', 'Python int too large to convert to C int');
    return vm.newStr(strerror(Number(code)), out);
  },
  getpid: intResult(1000),
  getppid: intResult(999),
  getuid: intResult(1000),
  geteuid: intResult(1000),
  getgid: intResult(1000),
  getegid: intResult(1000),
  getpgrp: intResult(1000),
  cpu_count: intResult(1),
  umask: (vm, args, kwnames, out) => {
    fdArg(vm, methO(vm, 'posix.umask', args, kwnames));
    return vm.newInt(0o022n, out);
  },
  access: (vm, args, kwnames, out) => {
    unpackKeywords(vm, 'access', args, kwnames, {
      names: ['path', 'mode', 'dir_fd', 'effective_ids', 'follow_symlinks'],
      maxPos: 2,
      required: 2,
    });
    return vm.bool(false, out);
  },
  isatty: (vm, args, kwnames, out) => {
    fdArg(vm, methO(vm, 'posix.isatty', args, kwnames));
    return vm.bool(false, out);
  },
  device_encoding: (vm, args, kwnames, out) => {
    const [fd] = unpackKeywords(vm, 'device_encoding', args, kwnames, { names: ['fd'] });
    fdArg(vm, fd as ObjectId);
    return vm.none(out);
  },
  get_terminal_size: (vm) => {
    throw osError(vm, ENOTTY, strerror(ENOTTY));
  },
  write: (vm, args, kwnames, out) => {
    noKeywords(vm, 'posix.write', kwnames);
    if (args.length !== 2) throw vm.typeError(`write expected 2 arguments, got ${args.length}`);
    const fd = fdArg(vm, args[0] as ObjectId);
    const data = bytesLike(vm, args[1] as ObjectId);
    if (fd !== 1 && fd !== 2) throw osError(vm, EBADF, strerror(EBADF));
    vm.write(new TextDecoder().decode(data), fd === 2);
    return vm.newInt(BigInt(data.length), out);
  },
  read: (vm, args, kwnames, out) => {
    noKeywords(vm, 'posix.read', kwnames);
    if (args.length !== 2) throw vm.typeError(`read expected 2 arguments, got ${args.length}`);
    const fd = fdArg(vm, args[0] as ObjectId);
    if (fd !== 0) throw osError(vm, EBADF, strerror(EBADF));
    const n = Number(vm.index(args[1] as ObjectId));
    if (n < 0) throw vm.pyErr('ValueError', 'negative buffersize in read');
    return vm.newBytes(readStdin(vm, n), out);
  },
  close: (vm, args, kwnames, out) => {
    const [fd] = unpackKeywords(vm, 'close', args, kwnames, { names: ['fd'] });
    const n = fdArg(vm, fd as ObjectId);
    if (n < 0 || n > 2) throw osError(vm, EBADF, strerror(EBADF));
    return vm.none(out);
  },
  putenv: (vm, args, kwnames, out) => {
    noKeywords(vm, 'posix.putenv', kwnames);
    if (args.length !== 2) throw vm.typeError(`putenv expected 2 arguments, got ${args.length}`);
    return vm.none(out);
  },
  unsetenv: (vm, args, kwnames, out) => {
    methO(vm, 'posix.unsetenv', args, kwnames);
    return vm.none(out);
  },
};
for (const name of REFUSED) functions[name] = refused(name);

registerBuiltinModule('posix', (vm, _module, dict) => {
  vm.addFunctions(dict, 'posix', functions);
  const set = (name: string, v: ObjectId): void => vm.dictSetStr(dict, name, v, C_TEMP, 'move');
  for (const [name, v] of CONSTANTS) set(name, vm.newInt(BigInt(v), C_TEMP));
  // environ: bytes keys and values, as convertenviron makes them.
  const environ = vm.newDict(C_TEMP);
  const env = vm.host.environ ?? {};
  const enc = new TextEncoder();
  for (const [k, v] of Object.entries(env)) {
    const key = vm.newBytes(enc.encode(k), C_TEMP);
    vm.dictSet(environ, key, vm.newBytes(enc.encode(v), C_TEMP), C_TEMP, 'move');
  }
  set('environ', environ);
  set('_have_functions', vm.newList([], C_TEMP));
  vm.dictSetStr(dict, 'error', builtinType(vm, 'OSError'), C_TEMP, 'copy');
  // The struct sequence types (the module makes them at import, as posixmodule.c's exec does).
  for (const desc of STRUCT_SEQS) vm.dictSetStr(dict, desc.name.slice(3), defineStructSeq(vm, desc), C_TEMP, 'copy');
});

/** The struct sequences of posixmodule.c (Linux field lists), named `os.X` as CPython names them. */
const STRUCT_SEQS: readonly StructSeqDesc[] = [
  {
    name: 'os.stat_result',
    // 10 items (the three times as ints, unnamed), then the hidden fields.
    fields: [
      'st_mode',
      'st_ino',
      'st_dev',
      'st_nlink',
      'st_uid',
      'st_gid',
      'st_size',
      undefined,
      undefined,
      undefined,
      'st_atime',
      'st_mtime',
      'st_ctime',
      'st_atime_ns',
      'st_mtime_ns',
      'st_ctime_ns',
      'st_blksize',
      'st_blocks',
      'st_rdev',
    ],
    nInSequence: 10,
    instantiable: true,
  },
  {
    name: 'os.statvfs_result',
    fields: [
      'f_bsize',
      'f_frsize',
      'f_blocks',
      'f_bfree',
      'f_bavail',
      'f_files',
      'f_ffree',
      'f_favail',
      'f_flag',
      'f_namemax',
      'f_fsid',
    ],
    nInSequence: 10,
    instantiable: true,
  },
  { name: 'os.terminal_size', fields: ['columns', 'lines'], nInSequence: 2, instantiable: true },
  {
    name: 'os.times_result',
    fields: ['user', 'system', 'children_user', 'children_system', 'elapsed'],
    nInSequence: 5,
    instantiable: true,
  },
  {
    name: 'os.uname_result',
    fields: ['sysname', 'nodename', 'release', 'version', 'machine'],
    nInSequence: 5,
    instantiable: true,
  },
];
