items = [1, 2, 3]
def get(i):
    return items[i] * 2
print(get(1))
get(10)
