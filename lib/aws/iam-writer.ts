/**
 * IamWriter over the IAM API: the remediation's only writes, and the reads that guard them. Documents are
 * returned decoded (IAM URL-encodes them; the SDK does not decode) so plans work on the text IAM holds.
 */
import {
  AttachRolePolicyCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  PutRolePolicyCommand,
  UpdateAssumeRolePolicyCommand,
  paginateListAttachedRolePolicies,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { AwsCallError } from '../core/errors';
import { policyText } from '../remediation/json-text';
import type { IamWriter } from '../remediation/types';
import { callAws, callAwsUnlessAbsent } from './errors';

const NO_SUCH_ENTITY = ['NoSuchEntityException', 'NoSuchEntity'];

function required<T>(value: T | undefined, operation: string, field: string): T {
  if (value === undefined) throw new AwsCallError(operation, `the answer has no ${field}`);
  return value;
}

/** The IamWriter port implemented with `client`; AccessDenied becomes MissingPermissionError naming the action. */
export function createIamWriter(client: IAMClient): IamWriter {
  return {
    async getTrustPolicy(roleName) {
      const answer = await callAws('iam:GetRole', () =>
        client.send(new GetRoleCommand({ RoleName: roleName })),
      );
      return policyText(
        required(answer.Role?.AssumeRolePolicyDocument, 'GetRole', 'Role.AssumeRolePolicyDocument'),
      );
    },

    async getRolePolicy(roleName, policyName) {
      const answer = await callAwsUnlessAbsent('iam:GetRolePolicy', NO_SUCH_ENTITY, () =>
        client.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: policyName })),
      );
      if (answer === undefined) return undefined;
      return policyText(required(answer.PolicyDocument, 'GetRolePolicy', 'PolicyDocument'));
    },

    async listAttachedPolicyArns(roleName) {
      return callAws('iam:ListAttachedRolePolicies', async () => {
        const arns: string[] = [];
        for await (const page of paginateListAttachedRolePolicies({ client }, { RoleName: roleName })) {
          for (const policy of page.AttachedPolicies ?? []) {
            arns.push(required(policy.PolicyArn, 'ListAttachedRolePolicies', 'PolicyArn'));
          }
        }
        return arns;
      });
    },

    async updateAssumeRolePolicy(roleName, documentJson) {
      await callAws('iam:UpdateAssumeRolePolicy', () =>
        client.send(new UpdateAssumeRolePolicyCommand({ RoleName: roleName, PolicyDocument: documentJson })),
      );
    },

    async attachRolePolicy(roleName, policyArn) {
      await callAws('iam:AttachRolePolicy', () =>
        client.send(new AttachRolePolicyCommand({ RoleName: roleName, PolicyArn: policyArn })),
      );
    },

    async putRolePolicy(roleName, policyName, documentJson) {
      await callAws('iam:PutRolePolicy', () =>
        client.send(
          new PutRolePolicyCommand({
            RoleName: roleName,
            PolicyName: policyName,
            PolicyDocument: documentJson,
          }),
        ),
      );
    },
  };
}
