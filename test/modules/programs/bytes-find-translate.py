b = b'abcabc'
print(b.find(b'c'), b.find(99), b.find(b'c', 3), b.find(b'', 7), b.find(b'', 6), b.rfind(b'a'), b.index(98, 2), b.count(b'b', 2), b.count(b''), b.count(b'', 7))
print(b.translate(None, b'b'), bytes(range(5)).translate(b'0' + b'1' * 255))
try: b.find('a')
except TypeError as e: print(e)
try: b.find(300)
except ValueError as e: print(e)
try: b.index(b'z')
except ValueError as e: print(e)
