print("oms")
