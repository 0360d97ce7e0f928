/*
 * CPython's standard library, as the simulated interpreter finds it
 * =================================================================
 * The pure-Python modules of CPython 3.11's Lib, from the copy the `pyodide` package
 * ships (`python_stdlib.zip`, CPython 3.11.3's Lib without the test suites). Files are
 * read from the archive when first imported. Inside the simulation they live under
 * STDLIB_PREFIX, the folder a Linux build of CPython 3.11 installs Lib to, so `__file__`
 * and tracebacks read as they would there.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { zipFinder, type ModuleFinder } from './vm/importlib.js';

/** Where Lib appears inside the simulation (sys.prefix is /usr). */
export const STDLIB_PREFIX = '/usr/lib/python3.11';

let archive: Uint8Array | undefined;
let finder: ModuleFinder | undefined;

/** The finder of the shipped Lib (one per process: the archive's listing is read once). */
export function stdlibFinder(): ModuleFinder {
  if (finder === undefined) {
    archive ??= readFileSync(createRequire(import.meta.url).resolve('pyodide/python_stdlib.zip'));
    finder = zipFinder(archive, STDLIB_PREFIX);
  }
  return finder;
}
