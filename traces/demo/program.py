import gc, sys

a = 'abc'                  # a str bound to a name
base = sys.getrefcount(a)  # counts are shown relative to this one
b = a                      # a second name for the same object
print('b = a:', sys.getrefcount(a) - base)
li = [1, 2, a]             # the list holds a reference too
print('li = [1, 2, a]:', sys.getrefcount(a) - base)

def show(x):               # during the call the parameter holds one more
    return sys.getrefcount(x) - base

print('inside show(a):', show(a))
print('after show(a):', sys.getrefcount(a) - base)
del a                      # the name goes, and with it its reference
print('del a:', sys.getrefcount(b) - base)
li = None                  # rebinding drops the old list: it is freed at once
print('li = None:', sys.getrefcount(b) - base)

x = []                     # two lists referring to each other:
y = [x]
x.append(y)
del x, y                   # their counts never reach zero...
print('gc.collect():', gc.collect())   # ...so the collector finds them
