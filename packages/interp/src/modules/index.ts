/*
 * The C modules simulated in TypeScript, registered with the import system when this
 * module is imported (each file registers its own with registerBuiltinModule).
 */
import './abc.js';
import './atexit.js';
import './collections.js';
import './functools.js';
import './itertools.js';
import './thread.js';
import './warnings.js';

export {};
