# _heapq and _bisect work in place on lists; the items keep their references.
import bisect, heapq, sys
item = [5]
h = [3, 1, item and 4, 1, 5, 9, 2, 6]
heapq.heapify(h)
print(h, [heapq.heappop(h) for _ in range(3)], h)
heapq.heappush(h, 0)
print(h, heapq.heappushpop(h, 7), heapq.heapreplace(h, 8), h)
print(heapq.nlargest(3, [5, 1, 8, 3]), heapq.nsmallest(2, [5, 1, 8, 3]), list(heapq.merge([1, 4], [2, 3])))
lst = []
before = sys.getrefcount(item)
heapq.heappush(lst, (1, item))
print(sys.getrefcount(item) - before, sys.getsizeof(lst))
a = [1, 2, 4, 4, 8]
print(bisect.bisect_left(a, 4), bisect.bisect_right(a, 4), bisect.bisect(a, 5))
bisect.insort(a, 3)
bisect.insort_left(a, 4)
print(a, sys.getsizeof(a), bisect.bisect_left(a, 4, key=None), bisect.bisect([(1, "a"), (3, "b")], 2, key=lambda t: t[0]))
