naïve = {"é": 1}
print(naïve["ü"])
