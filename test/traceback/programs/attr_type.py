print(str.jion)
