"""The references for credhelper's AWS shared-file readers (Tests/AWSCredentialsTests).

  shared_files.py config IN OUT   each text of the JSON list IN, written to a file and read with
                                  botocore.configloader.raw_config_parse: its sections, or null
                                  when botocore refuses it
  shared_files.py shlex IN OUT    each text split with shlex.split, or null when it raises
  shared_files.py chain [PROFILE] the credentials botocore's default chain finds in this process's
                                  environment (HOME, AWS_*), with PROFILE as an explicit profile:
                                  {"key": …, "secret": …, "token": …} or {"error": CLASS NAME}
"""
import json
import os
import shlex
import sys
import tempfile


def config(texts):
    from botocore.configloader import raw_config_parse
    from botocore.exceptions import ConfigParseError

    results = []
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "config")
        for text in texts:
            with open(path, "w", encoding="utf-8", newline="") as file:
                file.write(text)
            try:
                results.append(raw_config_parse(path))
            except ConfigParseError:
                results.append(None)
    return results


def split(texts):
    results = []
    for text in texts:
        try:
            results.append(shlex.split(text))
        except ValueError:
            results.append(None)
    return results


def chain(profile):
    import botocore.session

    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
    try:
        session = botocore.session.Session(profile=profile)
        credentials = session.get_credentials()
        if credentials is None:
            return {"error": "NoCredentials"}
        frozen = credentials.get_frozen_credentials()
        return {"key": frozen.access_key, "secret": frozen.secret_key, "token": frozen.token}
    except Exception as error:  # the class name is what the test compares
        return {"error": type(error).__name__}


if __name__ == "__main__":
    if sys.argv[1] == "chain":
        print(json.dumps(chain(sys.argv[2] if len(sys.argv) > 2 else None)))
    else:
        texts = json.load(open(sys.argv[2], encoding="utf-8"))
        results = config(texts) if sys.argv[1] == "config" else split(texts)
        json.dump(results, open(sys.argv[3], "w", encoding="utf-8"))
