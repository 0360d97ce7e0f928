import sys

def make(n):
    items = [n, n + 1]      # a local list
    return items            # returned: it outlives the frame

def count(x):
    return sys.getrefcount(x)

first = make(1)
second = make(first[1])
print(first, second)        # expect: [1, 2] [2, 3]
print(count(first) - sys.getrefcount(first))  # expect: 1
del first
print(second)               # expect: [2, 3]
