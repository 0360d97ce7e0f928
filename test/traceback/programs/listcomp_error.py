values = [1, 0, 2]
out = [10 // v for v in values]
