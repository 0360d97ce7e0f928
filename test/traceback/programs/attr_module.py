import math
print(math.pii)
