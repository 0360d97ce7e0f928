v = None
v.append(1)
