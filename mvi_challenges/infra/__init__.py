"""Infrastructure for running on several servers at once.

What lives here: the Redis client every shared thing goes through (`redis_client`), server-side
sessions (`sessions`), the job queue and the scheduler that runs each task once across servers
(`jobs`), rate limits (`ratelimit`), the short-lived page cache for anonymous visitors
(`page_cache`), values kept under a fingerprint of their inputs (`fingerprint_cache`), requests
refused at the door (`request_guards`) and health, metrics and request logs (`operations`).

What it may import: the standard library, third-party packages, `core` and other `infra` modules.
Never an area: areas (or the wiring at the package root) register their work with `infra`.
"""
