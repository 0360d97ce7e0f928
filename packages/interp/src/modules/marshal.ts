/*
 * marshal
 * =======
 * Only what importing importlib needs (importlib._bootstrap_external imports marshal for
 * .pyc files, which the simulation never reads or writes): the module, its `version`
 * (4, as CPython 3.11's), and dumps/loads/dump/load that raise NotImplementedError
 * naming what is missing, rather than a format that is not CPython's.
 *
 * Source: Python/marshal.c (Py_MARSHAL_VERSION).
 */
import { registerBuiltinModule } from '../vm/importlib.js';
import type { Native } from '../vm/native.js';
import { C_TEMP } from '../vm/vm.js';

const missing =
  (name: string): Native =>
  (vm) => {
    throw vm.pyErr('NotImplementedError', `marshal.${name}() is not simulated by pymemsim`);
  };

registerBuiltinModule('marshal', (vm, _module, dict) => {
  vm.addFunctions(dict, 'marshal', {
    dumps: missing('dumps'),
    loads: missing('loads'),
    dump: missing('dump'),
    load: missing('load'),
  });
  vm.dictSetStr(dict, 'version', vm.newInt(4n, C_TEMP), C_TEMP, 'move');
});
