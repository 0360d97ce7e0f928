import gc

x = []
x.append(x)                 # a list that holds itself
del x                       # its count never reaches zero
a = [1]
b = [a]
a.append(b)                 # two lists holding each other
del a, b
print(gc.collect())         # expect: 3
print(gc.collect())         # expect: 0
