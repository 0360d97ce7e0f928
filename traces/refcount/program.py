import sys

a = 'refcount'              # a str bound to a name
base = sys.getrefcount(a)
b = a                       # a second name: one more reference
print(sys.getrefcount(a) - base)  # expect: 1
li = [a, a]                 # the list holds two more
print(sys.getrefcount(a) - base)  # expect: 3
li = None                   # the list is freed at once, and its references go
print(sys.getrefcount(a) - base)  # expect: 1
del b
print(sys.getrefcount(a) - base)  # expect: 0
