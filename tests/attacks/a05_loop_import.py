"""Attack 5a: never finish importing."""
while True:
    pass
