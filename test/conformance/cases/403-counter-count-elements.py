# Counter's counting loop (_count_elements): counts replace each other, keys are the counted objects
import sys
from collections import Counter
from _collections import _count_elements

words = ("red", "blue", "red", "green", "red", "blue")
d = {}
_count_elements(d, words)
three = 3
print(d, d["red"] is three)
d["red"] -= 3
print(d)
c = Counter(words)
c["red"] -= 3
print(c, "red" in c, "red" not in (c + Counter()))
key = "k" + str(len(words))
c2 = Counter([key, key])
print("the key is the counted object:", next(iter(c2)) is key, sys.getrefcount(key))
class Logged(dict):
    def __setitem__(self, k, v):
        print("set", k, v)
        super().__setitem__(k, v)
_count_elements(Logged(), "aba")
