/*
 * Start-up
 * ========
 * What the interpreter has before a program's first line: the static built-in types (in
 * an order that lets each name its base), the static objects (None, True, False, the small
 * ints, '' and ()) given their values, NotImplemented and Ellipsis, sys.modules, and the
 * built-in modules builtins, sys, gc and _weakref.
 *
 * Source: Python/pylifecycle.c (pycore_init_types, pycore_init_builtins, _PySys_Create).
 */
import type { ObjectId } from '@pymemsim/core';
import { C_TEMP, VM } from '../vm/vm.js';
import { BUILTIN_FUNCTIONS } from '../modules/builtins.js';
import { defineRuntimeModules } from '../modules/sys.js';
import { defineDictTypes } from './dictType.js';
import { defineExceptionTypes } from './exceptions.js';
import { defineCoreTypes, objectMembers, objectSlots, typeMembers, typeSlots } from './function.js';
import { defineGeneratorTypes } from './generator.js';
import { defineIteratorTypes } from './iterators.js';
import { defineListTypes } from './list.js';
import { defineNumberTypes } from './number.js';
import { defineSetTypes } from './set.js';
import { defineStrTypes } from './str.js';
import type { TypeValue } from '../vm/values.js';

/** Static types whose instances can be weakly referenced (tp_weaklistoffset). */
const WEAKREFABLE = [
  'type',
  'function',
  'set',
  'frozenset',
  'method',
  'code',
  'generator',
  'coroutine',
  'async_generator',
  'module',
  'property',
  'classmethod',
  'staticmethod',
];

VM.prototype.bootstrap = function (this: VM) {
  const object = this.defineType({ name: 'object', slots: objectSlots, members: objectMembers });
  this.T.object = object;
  const type = this.defineType({
    name: 'type',
    base: object,
    layout: 'type',
    slots: typeSlots,
    members: typeMembers,
    hasDict: true,
  });
  this.T.type = type;
  (this.value(object) as TypeValue).type = type;
  (this.value(type) as TypeValue).type = type;
  defineCoreTypes(this);
  defineNumberTypes(this);
  defineStrTypes(this);
  defineListTypes(this);
  defineDictTypes(this);
  defineSetTypes(this);
  defineIteratorTypes(this);
  defineExceptionTypes(this);
  defineGeneratorTypes(this);
  for (const name of WEAKREFABLE) {
    const t = this.typeByName.get(name);
    if (t !== undefined) (this.value(t) as TypeValue).hasWeakref = true;
  }
  // The static objects' values.
  const s = this.statics;
  this.values.set(s.none, { t: 'none', type: this.T.NoneType });
  this.values.set(s.true, { t: 'bool', type: this.T.bool, v: true });
  this.values.set(s.false, { t: 'bool', type: this.T.bool, v: false });
  this.values.set(s.emptyStr, { t: 'str', type: this.T.str, v: '' });
  this.values.set(s.emptyTuple, { t: 'tuple', type: this.T.tuple, items: [] });
  for (let v = -5; v <= 256; v++) {
    const id = s.smallInt(v);
    if (id !== undefined) this.values.set(id, { t: 'int', type: this.T.int, v: BigInt(v) });
  }
  this.notImplementedId = this.staticObject(
    'NotImplementedType',
    'none',
    { t: 'notimplemented', type: this.T.NotImplementedType },
    'NotImplemented',
    'NotImplemented',
  );
  this.ellipsisId = this.staticObject(
    'ellipsis',
    'none',
    { t: 'ellipsis', type: this.T.ellipsis },
    'Ellipsis',
    'Ellipsis',
  );
  // sys.modules, then the builtins module.
  this.sysModules = this.newDict({ kind: 'root', name: 'sys.modules' });
  const builtins = this.defineModule('builtins', BUILTIN_FUNCTIONS, (vm, dict) => {
    for (const [name, id] of vm.typeByName) {
      if (
        name.includes('.') ||
        name.endsWith('_iterator') ||
        name.includes('iterator') ||
        name === 'NoneType' ||
        name === 'NotImplementedType' ||
        name === 'ellipsis'
      )
        continue;
      if (
        [
          'function',
          'method',
          'builtin_function_or_method',
          'method_descriptor',
          'classmethod_descriptor',
          'getset_descriptor',
          'member_descriptor',
          'wrapper_descriptor',
          'cell',
          'code',
          'module',
          'generator',
          'coroutine',
          'async_generator',
          'frame',
          'traceback',
          'mappingproxy',
          'dict_keys',
          'dict_values',
          'dict_items',
          'coroutine_wrapper',
          'ReferenceType',
          'weakref',
          'TextIOWrapper',
        ].includes(name)
      )
        continue;
      vm.dictSetStr(dict, name, id, C_TEMP, 'copy');
    }
    vm.dictSetStr(dict, 'None', vm.statics.none, C_TEMP, 'copy');
    vm.dictSetStr(dict, 'True', vm.statics.true, C_TEMP, 'copy');
    vm.dictSetStr(dict, 'False', vm.statics.false, C_TEMP, 'copy');
    vm.dictSetStr(dict, 'NotImplemented', vm.notImplementedId, C_TEMP, 'copy');
    vm.dictSetStr(dict, 'Ellipsis', vm.ellipsisId, C_TEMP, 'copy');
    vm.dictSetStr(dict, '__debug__', vm.statics.true, C_TEMP, 'copy');
  });
  this.builtinsModule = builtins;
  this.builtinsDict = this.as(builtins, 'module').dict;
  defineRuntimeModules(this);
};

export type { ObjectId };
