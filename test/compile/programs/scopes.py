def outer(a, b):
    c = 1
    def middle(d):
        e = a + d
        class K:
            a = 5
            def m(self):
                return a, e, c
            f = lambda: a + e
            g = [a for _ in range(3)]
        return K
    return middle


def cells(x, y, *z):
    def use():
        return x, z
    return use


def shadows():
    x = 1
    del x
    def g():
        return [x for x in range(3)], {y for y in range(x)}
    return g


class __Mangle:
    __a = 1
    def __b(self, __c=__a):
        return self.__a, __c, __d
    __e = [__a for __f in range(3)]
