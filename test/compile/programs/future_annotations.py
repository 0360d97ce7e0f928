from __future__ import annotations
import typing

x: list[int] = []
y: dict[str, typing.Any]


def f(a: int, b: "str" = "", *args: tuple[int, ...], c: float | None = None, **kw: bool) -> list[int]:
    z: int = 1
    return [z]


class C:
    attr: typing.ClassVar[int] = 1
    other: lambda x: x + 1
    neg: -1 if True else ~2 ** 3
    call: f(*a, **b)[1:2, ::3]
