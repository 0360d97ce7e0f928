import keyword
print(keyword.kwlst)
