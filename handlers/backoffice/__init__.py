"""The post office's back office: payments, orders, harvests, products, broadcasts, stats."""
