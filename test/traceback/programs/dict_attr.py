d = {}
d.itemz()
