import gc

gc.disable()
print(gc.isenabled())       # expect: False
x = []
x.append(x)
del x
print(gc.is_tracked([]), gc.is_tracked(1))  # expect: True False
print(gc.collect())         # expect: 1
gc.enable()
print(gc.isenabled())       # expect: True
