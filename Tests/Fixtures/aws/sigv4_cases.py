"""Generates Signature Version 4 test cases and signs each with botocore, the reference.

usage: python3 sigv4_cases.py SEED COUNT > cases.jsonl

Each line is one JSON case: the request, the credentials, region, service and time, and what
botocore produced: the Authorization header (`"kind": "header"`, SigV4Auth), the presigned URL
(`"kind": "query"`, SigV4QueryAuth) or the Bedrock API key (`"kind": "bedrock"`,
aws-bedrock-token-generator's provide_token). Tests/AWSCredentialsTests signs the same cases in Swift
and counts the differences. Not generated, because botocore rewrites them before signing: a `Date`
header, a form `content-type` or a body on a presigned request, IPv6 hosts, user information.
"""

import base64
import datetime
import json
import random
import sys

import botocore.auth
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from datetime import timedelta

import aws_bedrock_token_generator

REGIONS = ["us-east-1", "us-west-2", "eu-west-3", "eu-central-1", "ap-southeast-2", "ap-northeast-1",
           "cn-north-1", "us-gov-west-1", "il-central-1", "mx-central-1", "local"]
SERVICES = ["sts", "bedrock", "execute-api", "s3", "bedrock-runtime", "iam", "dynamodb"]
HOSTS = ["sts.amazonaws.com", "STS.US-EAST-1.amazonaws.com", "bedrock.amazonaws.com", "127.0.0.1",
         "localhost", "example.internal", "a.b.c.d.e", "Bedrock-Runtime.eu-west-3.amazonaws.com"]
PATH_CHARS = "abcXYZ019-_.~!$&'()*+,;=:@% é/"
QUERY_CHARS = "abcXYZ019-_.~!$'()*+,;:@/?% é\u00fc\u4e2d\u0301=%20%2F%2b%zz%e9%C3%A9"
VALUE_CHARS = "abc XYZ 019-_.~!\"$%&'()*+,/:;<=>?@[\\]^`{|}\t  "
HEADER_NAMES = ["Content-Type", "X-Amz-Target", "x-custom-Thing", "User-Agent", "Connection", "Accept",
                "X-Amz-Content-SHA256", "Host", "x-amz-meta-a", "Expect", "X-Amz-Security-Token",
                "Authorization", "X-Amz-Date", "Content-Length", "traceparent"]


def pick_text(rng, chars, low, high):
    return "".join(rng.choice(chars) for _ in range(rng.randint(low, high)))


def key_id(rng):
    return rng.choice(["AKIA", "ASIA"]) + "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16))


def secret(rng, length):
    return "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") for _ in range(length))


def moment(rng):
    edges = [0, 951782400, 951868799, 1709164800, 1735689599, 1735689600, 4102444799, 2147483647]
    return rng.choice(edges) if rng.random() < 0.1 else rng.randint(0, 4102444799)


def url(rng, query_chars, with_fragment):
    scheme = rng.choice(["https", "http"])
    host = rng.choice(HOSTS)
    port = rng.choice(["", "", ":443", ":80", ":8443", ":4566"])
    segments = [pick_text(rng, PATH_CHARS, 0, 6) for _ in range(rng.randint(0, 5))]
    segments += rng.sample([".", "..", "", "%2F", "a b"], rng.randint(0, 2))
    rng.shuffle(segments)
    path = "/" + "/".join(segments) if segments or rng.random() < 0.5 else ""
    query = ""
    if rng.random() < 0.8:
        pairs = []
        for _ in range(rng.randint(0, 6)):
            shape = rng.random()
            name = pick_text(rng, query_chars, 0, 6)
            if shape < 0.6:
                pairs.append(name + "=" + pick_text(rng, query_chars, 0, 8))
            elif shape < 0.8:
                pairs.append(name)
            else:
                pairs.append(rng.choice(pairs) if pairs else "")
        query = "?" + "&".join(pairs) + rng.choice(["", "", "&", "&&"])
    fragment = "#" + pick_text(rng, "abc=&?", 0, 4) if with_fragment and rng.random() < 0.1 else ""
    return f"{scheme}://{host}{port}{path}{query}{fragment}"


def credentials(rng):
    token = secret(rng, rng.randint(100, 600)) if rng.random() < 0.6 else None
    return key_id(rng), secret(rng, 40), token


def fixed_time(seconds):
    return lambda: datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc).replace(tzinfo=None)


def header_case(rng):
    ak, sk, token = credentials(rng)
    region, service, when = rng.choice(REGIONS), rng.choice(SERVICES), moment(rng)
    headers = []
    for _ in range(rng.randint(0, 5)):
        headers.append([rng.choice(HEADER_NAMES), pick_text(rng, VALUE_CHARS, 0, 12)])
    body = bytes(rng.getrandbits(8) for _ in range(rng.choice([0, 0, 1, 17, 200])))
    method = rng.choice(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "get"])
    target = url(rng, QUERY_CHARS, True)
    request = AWSRequest(method=method, url=target, data=body)
    for name, value in headers:
        request.headers[name] = value
    botocore.auth.get_current_datetime = fixed_time(when)
    SigV4Auth(Credentials(ak, sk, token), service, region).add_auth(request)
    return {"kind": "header", "method": method, "url": target, "headers": headers,
            "body": base64.b64encode(body).decode(), "ak": ak, "sk": sk, "token": token, "region": region,
            "service": service, "time": when, "expected": request.headers["Authorization"]}


def query_case(rng):
    ak, sk, token = credentials(rng)
    region, service, when = rng.choice(REGIONS), rng.choice(SERVICES), moment(rng)
    headers = [[name, pick_text(rng, VALUE_CHARS, 0, 12)]
               for name in rng.sample(["Host", "X-Amz-Target", "Accept", "User-Agent"], rng.randint(0, 2))]
    params = [[pick_text(rng, QUERY_CHARS, 1, 5), pick_text(rng, QUERY_CHARS, 0, 5)] for _ in range(rng.randint(0, 2))]
    expires = rng.choice([1, 900, 3600, 43200, rng.randint(1, 604800)])
    target = url(rng, QUERY_CHARS, False)
    request = AWSRequest(method="POST", url=target, params=dict(params))
    for name, value in headers:
        request.headers[name] = value
    botocore.auth.get_current_datetime = fixed_time(when)
    SigV4QueryAuth(Credentials(ak, sk, token), service, region, expires=expires).add_auth(request)
    return {"kind": "query", "method": "POST", "url": target, "headers": headers, "params": params, "ak": ak,
            "sk": sk, "token": token, "region": region, "service": service, "time": when, "expires": expires,
            "expected": request.url}


class FixedProvider:
    def __init__(self, creds):
        self.creds = creds

    def load(self):
        return self.creds


def bedrock_case(rng):
    ak, sk, token = credentials(rng)
    region, when = rng.choice(REGIONS), moment(rng)
    expires = rng.choice([43200, 3600, 1, rng.randint(1, 43200)])
    botocore.auth.get_current_datetime = fixed_time(when)
    key = aws_bedrock_token_generator.provide_token(
        region=region, aws_credentials_provider=FixedProvider(Credentials(ak, sk, token)),
        expiry=timedelta(seconds=expires))
    return {"kind": "bedrock", "ak": ak, "sk": sk, "token": token, "region": region, "time": when,
            "expires": expires, "expected": key}


def main():
    rng = random.Random(int(sys.argv[1]))
    count = int(sys.argv[2])
    out = sys.stdout
    for index in range(count):
        roll = index % 10
        case = header_case(rng) if roll < 6 else query_case(rng) if roll < 9 else bedrock_case(rng)
        out.write(json.dumps(case) + "\n")


if __name__ == "__main__":
    main()
