# Which check raises RecursionError decides its message. A comparison of two small ints
# before a jump is specialised in 3.11 (COMPARE_OP_INT_JUMP: no rich comparison, no
# " in comparison" check), so the call's own check fails first.
def depth(n):
    return 0 if n == 0 else 1 + depth(n - 1)


print(depth(900))
try:
    depth(5000)
except RecursionError as e:
    print("RecursionError:", e)

