# A dict value or an instance attribute replaced by assignment takes the old one's place:
# the container still releases its references in entry order when it dies, and a dict
# entry deleted from the middle leaves the others in order.
class A:
    def __init__(self, n):
        self.n = n

    def __del__(self):
        print("del", self.n)


class Box:
    pass


d = {"a": A(1), "b": A(2), "c": A(3)}
d["a"] = A(4)
print("replaced a")
del d["b"]
print("deleted b")
d["d"] = A(5)
d["c"] = A(6)
print("replaced c")
del d
print("dict gone")

o = Box()
o.x = A(7)
o.y = A(8)
o.z = A(9)
o.x = A(10)
o.y = A(11)
print("replaced x, y")
del o
print("box gone")

big = {}
for i in range(40):
    big[i] = A(100 + i)
for i in range(0, 40, 3):
    del big[i]
for i in range(1, 40, 6):
    big[i] = A(200 + i)
print("big:", len(big))
del big
print("end")
