# -*- coding: latin-1 -*-
# A latin-1 source: the bytes of "é" and "ü" decode to two characters.
s = "café über"
print(len(s), s)
print([ord(c) for c in s if ord(c) > 127])
