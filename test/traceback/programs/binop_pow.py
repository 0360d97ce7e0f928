base = "2"
r = base ** 3
