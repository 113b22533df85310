"""Benchmark: CPU microseconds for the 11 tokens of one recipient (encode), and one decode."""

from __future__ import annotations

import time

from service.addressing.tokens import TokenCodec


def main() -> None:
    """Print per-recipient token cost."""
    codec = TokenCodec(b"bench-secret-0123456789abcdefghij")
    n = 20_000
    start = time.process_time()
    for i in range(n):
        codec.verp(1, i)
        codec.reply(1, i)
        for a in range(3):
            codec.reply(1, i, a + 1)
        codec.unsubscribe(i, 1)
        codec.preferences(i)
        codec.webview(1, i)
        codec.open(1, i)
        codec.click(1, i, 0)
        codec.click(1, i, 1)
    per = (time.process_time() - start) / n * 1e3
    token = codec.verp(1, 2)
    start = time.process_time()
    for _ in range(n):
        codec.decode_verp(token)
    dec = (time.process_time() - start) / n * 1e6
    print(f"tokens_11_ms={per:.4f} decode_us={dec:.2f}")


if __name__ == "__main__":
    main()
