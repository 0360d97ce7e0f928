def show(*args):
    print(*args)
show(1, 2 / 0, 3)
