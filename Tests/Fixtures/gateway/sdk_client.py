#!/usr/bin/env python3
"""A real client: the anthropic SDK pointed at credhelper proxy.

  sdk_client.py BASE_URL create|stream [API_KEY]   prints "create: TEXT" (and "stream: TEXT")
"""
import sys

import anthropic

base_url, mode = sys.argv[1], sys.argv[2]
client = anthropic.Anthropic(base_url=base_url, api_key=sys.argv[3] if len(sys.argv) > 3 else "unused", max_retries=0)
messages = [{"role": "user", "content": "Say hello"}]
message = client.messages.create(model="claude-test", max_tokens=32, messages=messages)
print("create: " + "".join(block.text for block in message.content if block.type == "text"), flush=True)
if mode == "stream":
    with client.messages.stream(model="claude-test", max_tokens=32, messages=messages) as stream:
        text = "".join(stream.text_stream)
    print("stream: " + text, flush=True)
