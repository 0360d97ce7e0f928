#!/usr/bin/env python3
# vim: set fileencoding=cp1252 :
s = "€ “quoted”"
print(len(s))
print([ord(c) for c in s])
