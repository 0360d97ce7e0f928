/*
 * Every module that adds methods to the VM (module augmentation), imported for effect
 * in one place, so a VM made anywhere has all of them.
 */
import './attrs.js';
import './call.js';
import './code.js';
import './imports.js';
import './importlib.js';
import './names.js';
import './protocols.js';
import '../objects/dict.js';
import '../objects/dictType.js';
import '../objects/exceptions.js';
import '../objects/function.js';
import '../objects/generator.js';
import '../objects/iterators.js';
import '../objects/list.js';
import '../objects/number.js';
import '../objects/set.js';
import '../objects/str.js';
import '../objects/type.js';
import '../objects/formatting.js';
import '../modules/builtins.js';
import '../modules/sys.js';
import '../modules/index.js';
import '../objects/bootstrap.js';
