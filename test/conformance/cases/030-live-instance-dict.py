# category: classes
# tier: core
# checks: an instance's __dict__ is its namespace: writes, deletions and clear through it are the instance's attributes
class C:
    def m(self):
        return "class method"


c = C()
c.a = 1
d = c.__dict__
d["z"] = 9
print(c.z, c.a)
c.y = 2
print(d, c.__dict__ is d, vars(c) is d)
del d["a"]
print(hasattr(c, "a"), vars(c))
d["m"] = lambda: "own attribute"
print(c.m())
c.__dict__.clear()
print(vars(c), c.m())
setattr(c, "q", 5)
print(d)
del c.q
print(d, getattr(c, "q", "gone"))
