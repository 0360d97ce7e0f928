def add_values(a, b, c, d):
    return a + b + c + d

add_values(1, 2, None, 3)
