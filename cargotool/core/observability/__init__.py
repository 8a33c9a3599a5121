"""What an operator watches: log format with request ids, and the Prometheus metrics."""
