"""What stands between our web processes and readers: GRIP proxies that hold live readers, and HTTP
caches that keep pages; what we tell them and how we know them."""
