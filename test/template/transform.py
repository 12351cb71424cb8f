"""Reads a CloudFormation / SAM template the way the deployment tools do, and prints it as JSON.

    python3 transform.py parse FILE          the template as written, intrinsics as {"Fn::Sub": ...} objects
    python3 transform.py transform FILE      the template after the AWS::Serverless transform
    python3 transform.py actions ACTION...   each IAM action's resource types from the Service Authorization
                                             Reference (cfn-lint's copy): [] means "*" only, null unknown

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


def actions(names):
    from cfnlint.data import AdditionalSpecs
    from cfnlint.helpers import load_resource

    services = load_resource(AdditionalSpecs, "Policies.json")
    result = {}
    for name in names:
        prefix, _, action = name.partition(":")
        known = services.get(prefix.lower(), {}).get("Actions", {}).get(action.lower())
        result[name] = None if known is None else known.get("Resources", [])
    return result


def main(argv):
    if len(argv) >= 3 and argv[1] == "actions":
        result = actions(argv[2:])
    elif len(argv) == 3 and argv[1] in ("parse", "transform"):
        result = parse(argv[2]) if argv[1] == "parse" else transform(argv[2])
    else:
        sys.stderr.write("usage: transform.py parse|transform FILE | actions ACTION...\n")
        return 2
    json.dump(result, sys.stdout, indent=1, default=str)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
