s = "x"
print(-s)
