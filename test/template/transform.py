"""Reads a CloudFormation / SAM template the way the deployment tools do, and prints it as JSON.

    python3 transform.py parse FILE      the template as written, intrinsics as {"Fn::Sub": ...} objects
    python3 transform.py transform FILE  the template after the AWS::Serverless transform

Uses cfn-lint's YAML decoder (it understands !Sub, !Ref, !GetAtt, ...) and the SAM translator that cfn-lint
bundles. No AWS calls: local CodeUri values become a placeholder S3 location, as `sam package` would make
them, and the managed policy map is empty because the template names no SAM policy templates.
"""

import json
import os
import sys

from cfnlint.decode import cfn_yaml

PLACEHOLDER_CODE_URI = "s3://placeholder-bucket/placeholder-key.zip"


def parse(path):
    return cfn_yaml.load(path)


def transform(path):
    # The translator asks boto for the region only to choose the partition; pin it so no profile is needed.
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    template = parse(path)
    for resource in template.get("Resources", {}).values():
        properties = resource.get("Properties")
        if resource.get("Type") == "AWS::Serverless::Function" and isinstance(properties, dict):
            properties["CodeUri"] = PLACEHOLDER_CODE_URI
    translator = Translator(managed_policy_map={}, sam_parser=Parser())
    return translator.translate(sam_template=template, parameter_values={}, passthrough_metadata=True)


def main(argv):
    if len(argv) != 3 or argv[1] not in ("parse", "transform"):
        sys.stderr.write("usage: transform.py parse|transform FILE\n")
        return 2
    result = parse(argv[2]) if argv[1] == "parse" else transform(argv[2])
    json.dump(result, sys.stdout, indent=1, default=str)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
