/*
 * The C modules simulated in TypeScript, registered with the import system when this
 * module is imported (each file registers its own with registerBuiltinModule).
 */
import './abc.js';
import './ast.js';
import './atexit.js';
import './collections.js';
import './functools.js';
import './imp.js';
import './itertools.js';
import './thread.js';
import './warnings.js';
import './marshal.js';
import './math.js';
import './random.js';
import './sha512.js';
import './heapq.js';
import './operator.js';
import './string.js';
import './errno.js';
import './stat.js';
import './binascii.js';
import './struct.js';
import './posix.js';
import './sre.js';
import './codecs.js';
import './time.js';

export {};
