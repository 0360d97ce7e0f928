print(qqqqqqqqq)
