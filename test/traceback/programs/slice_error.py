n = None
print(n[1:2])
