a = 5
b = 0
r = (a) % (b)
