"""Every statement kind, with the control flow that shapes CPython's bytecode."""
import os, os.path as osp
import collections.abc
import xml.etree.ElementTree as ET
from sys import argv as a, path
from .. import sibling
from .pkg.mod import name as alias

x: int = 1
y: "str"
z.attr: int
w[0]: int = 2
del x, w[0], z.attr
a, *b, c = range(5)
[d, (e, f)] = 1, (2, 3)
g = h = i = 0
g += 1; z.attr -= 2; w[1] *= 3
global_var = None


def control(n, *args, flag=True, **kw):
    global global_var
    if n > 0 and flag or not args:
        pass
    elif n < 0:
        return -n
    else:
        global_var = n
    while n:
        n -= 1
        if n == 3:
            continue
        if n == 7:
            break
    else:
        n = 99
    for k, v in kw.items():
        if k:
            break
    else:
        return None
    for _ in [1, 2, 3]:
        for _ in {4, 5}:
            pass
    assert n, "message"
    assert not n
    raise ValueError("x") from None


def exceptions(f):
    try:
        f()
    except (TypeError, ValueError) as e:
        print(e)
    except KeyError:
        raise
    except:
        return 1
    else:
        print("else")
    finally:
        print("finally")
    try:
        return f()
    finally:
        print("cleanup")
    for i in range(3):
        try:
            if i:
                continue
            break
        finally:
            del i
    try:
        pass
    except* ValueError as eg:
        print(eg)
    except* (TypeError, KeyError):
        pass
    try:
        f()
    except* OSError:
        pass
    else:
        pass
    finally:
        f()


def withs(path):
    with open(path) as f, open(path + "2") as (g):
        data = f.read()
        if data:
            return data
    with open(path):
        for line in f:
            if line:
                break
    return None


def nested():
    x = 1
    def inner():
        nonlocal x
        x += 1
        def innermost():
            return x
        return innermost
    return inner


class Base:
    pass


@decorator(1)
@other
class Klass(Base, metaclass=type, **{}):
    """Doc."""
    attr: int = 0
    __private = 1

    def method(self, __arg):
        return super().method(self.__private, __arg)

    @property
    def prop(self):
        return __class__

    class Inner:
        def f(self):
            return self.__x


def gen():
    x = yield
    y = yield x
    yield from range(y)
    return x


async def coro(session):
    async with session as s, session:
        await s
    async for item in session:
        print(item)
    else:
        pass
    return [i async for i in session]


async def agen():
    yield 1
    await coro(None)


def matching(command):
    match command.split():
        case [action]:
            pass
        case [action, obj]:
            pass
        case ["go", direction] | ["move", direction]:
            pass
        case ["drop", *objects, last]:
            pass
        case [first, *_]:
            pass
        case [*_, last]:
            pass
        case {"x": 1, "y": yy, **rest}:
            pass
        case {}:
            pass
        case Point(x=0, y=0) | Point(1, 2):
            pass
        case Point(xx, yy=5) if xx > yy:
            pass
        case -1 | 1.5 | 2j | -3 + 4j | "s" | b"b" | None | True | False:
            pass
        case Color.RED:
            pass
        case str() as s:
            pass
        case (1, 2) as t if t:
            pass
        case _:
            pass
    match command:
        case x if x:
            return x
    match command:
        case {1: _, "a": [*rest]}:
            return rest
        case _:
            pass
